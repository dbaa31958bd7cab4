import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * The few calls of npm `unix-dgram` we use, typed. Node has no AF_UNIX
 * datagram socket and sd_notify needs one; unix-dgram is a small native
 * addon (no system library). It ships no types, hence this file.
 */
export interface DgramSocket {
  fd: number;
  connected?: boolean;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'message', fn: (buf: Buffer, rinfo: { size: number; path?: string }) => void): this;
  /** Unconnected: send(buf, offset, length, path, cb). */
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  /** Connected (after `connected = true`): send(buf, cb). */
  send(buf: Buffer, cb: (err?: Error) => void): void;
  bind(path: string): void;
  close(): void;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram', listener?: (buf: Buffer) => void): DgramSocket;
}

const require = createRequire(import.meta.url);
let loaded: UnixDgramModule | Error | undefined;

/** The native module, or the reason it cannot be loaded (never throws). */
export function unixDgram(): UnixDgramModule | Error {
  if (loaded === undefined) {
    try {
      loaded = require('unix-dgram') as UnixDgramModule;
    } catch (err) {
      loaded = err instanceof Error ? err : new Error(String(err));
    }
  }
  return loaded;
}

/**
 * Sends one datagram to a socket path on a socket opened for it and closed
 * right after, as libsystemd's sd_notify does: an open unix-dgram socket holds
 * a libuv poll handle that would keep the process from ever exiting.
 */
export function sendOnce(path: string, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const mod = unixDgram();
    if (mod instanceof Error) return reject(mod);
    let sock: DgramSocket;
    try {
      sock = mod.createSocket('unix_dgram');
    } catch (err) {
      return reject(err);
    }
    // An 'error' without a listener would throw out of the event loop.
    sock.on('error', () => undefined);
    const done = (err?: Error): void => {
      try {
        sock.close();
      } catch {
        // closing a socket that failed to open: nothing left to free
      }
      if (err) reject(err);
      else resolve();
    };
    try {
      sock.send(payload, 0, payload.length, path, done);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/**
 * A datagram socket connected to an abstract address (`@name`, Linux only).
 * unix-dgram copies the address with strncpy, so it cannot name one (the name
 * starts with a NUL byte). The socket is created here and handed to a
 * one-line perl (perl-base is on every Debian) as fd 3, which connects it:
 * the connection belongs to the shared socket, so every later send is this
 * process's own and systemd's NotifyAccess=main accepts it.
 */
export function connectAbstract(name: string, timeoutMs = 5000): Promise<DgramSocket> {
  return new Promise((resolve, reject) => {
    const mod = unixDgram();
    if (mod instanceof Error) return reject(mod);
    let sock: DgramSocket;
    try {
      sock = mod.createSocket('unix_dgram');
    } catch (err) {
      return reject(err);
    }
    sock.on('error', () => undefined);
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      try {
        sock.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    const script =
      'open(my $s, "+<&=", 3) or die "fd 3: $!\\n"; ' +
      'connect($s, Socket::pack_sockaddr_un("\\0" . $ARGV[0])) or die "connect: $!\\n"';
    let stderr = '';
    const child = spawn('perl', ['-MSocket', '-e', script, name], {
      stdio: ['ignore', 'ignore', 'pipe', sock.fd],
      timeout: timeoutMs,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 500) stderr += d.toString();
    });
    child.on('error', (err) => fail(new Error(`perl (to connect @${name}): ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0 && !settled) {
        settled = true;
        sock.connected = true;
        resolve(sock);
      } else {
        fail(new Error(`perl could not connect @${name}: ${stderr.trim() || `exit ${code ?? signal}`}`));
      }
    });
  });
}
