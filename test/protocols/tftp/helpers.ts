import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeAck, encodeRequest, parsePacket, type Packet } from '../../../protocols/tftp/codec.js';
import type { TftpEvent } from '../../../protocols/tftp/events.js';
import { TftpServer, type TftpServerOptions } from '../../../protocols/tftp/server.js';

/** The part of a packet a test asserts on, so a failure prints what actually came back. */
export function brief(p: Packet): object {
  switch (p.op) {
    case 'error':
      return { op: 'error', code: p.code };
    case 'data':
      return { op: 'data', block: p.block, length: p.data.length };
    case 'oack':
      return { op: 'oack', options: Object.fromEntries(p.options) };
    default:
      return { op: p.op };
  }
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A temporary directory with a `root/` to serve; `files` are random bytes of the given sizes. */
export async function makeRoot(files: Record<string, number>): Promise<{ dir: string; root: string; content: Map<string, Buffer>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-tftp-'));
  const root = join(dir, 'root');
  await mkdir(root);
  const content = new Map<string, Buffer>();
  for (const [name, size] of Object.entries(files)) {
    const data = randomBytes(size);
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), data);
    content.set(name, data);
  }
  return { dir, root, content, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function startServer(options: Omit<TftpServerOptions, 'host' | 'port'>): Promise<{ server: TftpServer; port: number; events: TftpEvent[] }> {
  const server = new TftpServer({ host: '127.0.0.1', port: 0, ...options });
  const events: TftpEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  const { port } = await server.start();
  return { server, port, events };
}

/** Resolves with the first event matching `pred` (already seen or future), or rejects after `ms`. */
export function waitForEvent<T extends TftpEvent>(server: TftpServer, events: TftpEvent[], pred: (e: TftpEvent) => e is T, ms = 10_000): Promise<T> {
  const seen = events.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error('event not seen in time'));
    }, ms);
    const sub = server.events$.subscribe((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(e);
    });
  });
}

export const ended = (e: TftpEvent): e is Extract<TftpEvent, { type: 'completed' | 'failed' }> => e.type === 'completed' || e.type === 'failed';

/** A raw TFTP peer on 127.0.0.1 for protocol tests: every packet it receives is queued in order. */
export class RawClient {
  readonly received: Array<{ packet: Packet; rinfo: RemoteInfo }> = [];
  #waiters: Array<() => void> = [];
  #next = 0;
  #sending = 0;
  #closing = false;

  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      const r = parsePacket(msg);
      if (!r.ok) throw new Error(`server sent an unparseable packet: ${r.message}`);
      this.received.push({ packet: r.packet, rinfo });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(): Promise<RawClient> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RawClient(socket);
  }

  send(buf: Buffer, port: number): void {
    this.#sending++;
    this.socket.send(buf, port, '127.0.0.1', () => {
      if (--this.#sending === 0 && this.#closing) this.socket.close();
    });
  }

  /** The next packet not yet taken, waiting up to `ms`. */
  async next(ms = 5000): Promise<{ packet: Packet; rinfo: RemoteInfo }> {
    const deadline = performance.now() + ms;
    while (this.#next >= this.received.length) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('no packet in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received[this.#next++]!;
  }

  /** True if nothing more arrives within `ms` (used only to show something did NOT happen). */
  async quiet(ms: number): Promise<boolean> {
    const before = this.received.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.received.length === before;
  }

  /** Closes once queued sends are out (closing at once would drop a final ACK). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.socket.once('close', resolve));
    if (this.#sending === 0) this.socket.close();
    else this.#closing = true;
    return closed;
  }
}

export interface DownloadOptions {
  options?: Record<string, string | number>;
  /** Return true to drop (pretend never received) this DATA packet; `seen` counts arrivals of that block so far. */
  dropData?: (block: number, seen: number) => boolean;
  /** Return true to not send the ACK for this (absolute) block. */
  dropAck?: (block: number) => boolean;
  /** Send each ACK this long after its block arrived, as a slow seat would. */
  ackDelayMs?: number;
  timeoutMs?: number;
}

/**
 * A windowed RFC 7440 reader: ACKs at the end of each window, at the last
 * block, and, on a gap or a silence, the last block received in order.
 * Counts every DATA packet that arrives so tests can spot duplicate sends.
 */
export async function download(port: number, file: string, o: DownloadOptions = {}): Promise<{ data: Buffer; dataPackets: number; perBlock: Map<number, number>; oack?: Map<string, string> }> {
  const client = await RawClient.open();
  try {
    client.send(encodeRequest('rrq', file, 'octet', o.options ?? {}), port);
    let blksize = 512;
    let windowsize = 1;
    let oack: Map<string, string> | undefined;
    const chunks: Buffer[] = [];
    const perBlock = new Map<number, number>();
    let dataPackets = 0;
    let have = 0; // absolute number of the last in-order block
    let sinceAck = 0;
    let gapReported = false;
    let peer = 0;
    let delayed = Promise.resolve();
    const ack = (block: number): void => {
      sinceAck = 0;
      if (o.dropAck?.(block)) return;
      const to = peer;
      if (!o.ackDelayMs) return client.send(encodeAck(block), to);
      // The socket closes only after the last of these went out.
      delayed = new Promise((resolve) =>
        setTimeout(() => {
          client.send(encodeAck(block), to);
          resolve();
        }, o.ackDelayMs),
      );
    };
    for (;;) {
      let got;
      try {
        got = await client.next(o.timeoutMs ?? 3000);
      } catch {
        if (!peer) throw new Error('no answer to the request');
        ack(have); // silence: say where we are, as a real client does on its timeout
        continue;
      }
      const { packet, rinfo } = got;
      peer = rinfo.port;
      if (packet.op === 'error') throw new Error(`server error ${packet.code}: ${packet.message}`);
      if (packet.op === 'oack') {
        oack = packet.options;
        blksize = Number(oack.get('blksize') ?? 512);
        windowsize = Number(oack.get('windowsize') ?? 1);
        ack(0);
        continue;
      }
      if (packet.op !== 'data') throw new Error(`unexpected ${packet.op}`);
      dataPackets++;
      // The wire number is 16 bits: read it as the block nearest the one expected.
      const absolute = have + 1 + (((packet.block - (have + 1)) << 16) >> 16);
      const seen = (perBlock.get(absolute) ?? 0) + 1;
      perBlock.set(absolute, seen);
      if (absolute !== have + 1 || o.dropData?.(absolute, seen)) {
        // Out of order (a loss before it, or a duplicate): report our position, once.
        if (absolute !== have + 1 && !gapReported) {
          gapReported = true;
          ack(have);
        }
        continue;
      }
      gapReported = false;
      have = absolute;
      chunks.push(Buffer.from(packet.data));
      sinceAck++;
      const last = packet.data.length < blksize;
      if (last || sinceAck >= windowsize) ack(have);
      if (last) {
        await delayed;
        return { data: Buffer.concat(chunks), dataPackets, perBlock, oack };
      }
    }
  } finally {
    await client.close();
  }
}

/** Runs a peer program; resolves with its exit code and output, killing it after `ms`. */
export function run(cmd: string, args: string[], ms = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
