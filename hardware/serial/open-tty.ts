import { constants, open as fsOpen, read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { realpath } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import type { BindingPortInterface, LinuxBindingInterface, LinuxPortBinding } from '@serialport/bindings-cpp';
// The binding's own poller-driven read loop, reused with our fs.read (below); no exports map, so the dist path is stable API in practice.
import { unixRead } from '@serialport/bindings-cpp/dist/unix-read.js';
import type { SerialMode } from './types.js';

/** The part of a serialport binding the supervisor uses. */
export type TtyHandle = Pick<BindingPortInterface, 'read' | 'write' | 'close'> & { readonly fd?: number | null };

export interface TtyOptions {
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 2;
  parity?: 'none' | 'even' | 'odd';
}

/**
 * serialport's platform binding, used directly (no stream layer: the
 * supervisor runs its own read loop). Never `SerialPort.list()`: it spawns
 * udevadm, and where that is missing the spawn error is thrown uncaught and
 * takes the whole process down. Ports are opened by path only.
 */
const binding = SerialPort.binding as LinuxBindingInterface;

export class ReadOnlyTtyError extends Error {
  constructor() {
    super('read-only serial port: writing is not possible');
  }
}

/** Resolves the configured path now (a by-id symlink may point at another tty after a replug) and opens it. */
export async function openTty(path: string, mode: SerialMode, opts: TtyOptions): Promise<{ tty: TtyHandle; resolvedPath: string }> {
  const resolvedPath = await realpath(path);
  const openOptions = { path: resolvedPath, baudRate: opts.baudRate, dataBits: opts.dataBits ?? 8, stopBits: opts.stopBits ?? 1, parity: opts.parity ?? 'none' };
  const tty = mode === 'read-write' ? await binding.open(openOptions) : await openReadOnly(openOptions);
  return { tty: endReadsAtHangup(tty), resolvedPath };
}

export class TtyHangupError extends Error {
  readonly code = 'EHANGUP';
  readonly disconnect = true;
  constructor() {
    super('the tty hung up (a read returned 0 bytes: the device or the far end of the pty is gone)');
  }
}

const readAsync = promisify(fsRead);

/**
 * A raw tty whose far end is gone (a pty master closed, a USB adapter
 * unplugged) is hung up: every read returns 0 bytes at once. The binding's
 * unixRead retries a 0-byte read immediately, forever, so a vanished device
 * spun a core and grew memory without bound. Raw mode with VMIN=1 and
 * O_NONBLOCK never returns 0 otherwise (no data is EAGAIN), so 0 means lost:
 * we fail the read and the supervisor closes and reopens with backoff.
 */
function endReadsAtHangup(tty: LinuxPortBinding): LinuxPortBinding {
  const fsReadAsync = (async (fd: number, buffer: Buffer, offset: number, length: number, position: null) => {
    const result = await readAsync(fd, buffer, offset, length, position);
    if (result.bytesRead === 0) throw new TtyHangupError();
    return result;
  }) as unknown as typeof readAsync;
  tty.read = (buffer: Buffer, offset: number, length: number) => unixRead({ binding: tty, buffer, offset, length, fsReadAsync });
  return tty;
}

/**
 * serialport always opens O_RDWR. For a read-only port we let it open the tty
 * once to set termios (baud, raw mode: the settings belong to the tty, not to
 * the descriptor), then open our own O_RDONLY descriptor, close serialport's,
 * and read through the binding's poller on ours. The kernel itself then
 * refuses any write (EBADF). The read-write descriptor is closed only after
 * ours is open, so the tty never sees a last close (no hangup). HUPCL is off
 * for the same reason, and lock is off because the flock would go with the
 * closed descriptor anyway.
 */
async function openReadOnly(openOptions: Parameters<LinuxBindingInterface['open']>[0]): Promise<LinuxPortBinding> {
  const rw = await binding.open({ ...openOptions, lock: false, hupcl: false });
  let fd: number;
  try {
    fd = await openFdReadOnly(openOptions.path);
  } catch (err) {
    await rw.close().catch(() => undefined);
    throw err;
  }
  const PortBinding = rw.constructor as typeof LinuxPortBinding;
  const ro = new PortBinding(fd, rw.openOptions);
  await rw.close();
  ro.write = () => Promise.reject(new ReadOnlyTtyError());
  return ro;
}

function openFdReadOnly(path: string): Promise<number> {
  // Node adds O_CLOEXEC itself; O_NONBLOCK because the binding's reads are poller driven.
  const flags = constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK;
  return new Promise((resolve, reject) => fsOpen(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
}
