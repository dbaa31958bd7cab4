import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { ErrorCode, MAX_BLKSIZE, MIN_BLKSIZE, encodeAck, encodeError, encodeRequest, parsePacket } from '../../../protocols/tftp/codec.js';
import { bindUdp } from '../../../core/udp.js';

export interface TftpFetchOptions {
  /** Local address to bind (default 127.0.0.1). */
  bind?: string;
  /** Asked for; the server may grant less (default 1428: an Ethernet frame). */
  blksize?: number;
  /** Asked for (RFC 7440); 1 is lockstep (default 16). */
  windowsize?: number;
  /** Silence before we repeat our last packet (default 1000 ms). */
  timeoutMs?: number;
  /** Repeats in a row without progress before giving up (default 5). */
  retries?: number;
  /** Every payload byte, in order, exactly once. */
  onData?: (chunk: Buffer) => void;
  signal?: AbortSignal;
  /** Drops an incoming datagram when it returns true: a lossy link, for fault injection. */
  lose?: () => boolean;
}

export interface TftpFetchResult {
  bytes: number;
  /** The size the server announced (tsize), if it did. */
  tsize?: number;
  blksize: number;
  windowsize: number;
  /** Packets we sent again after a silence or a gap. */
  resent: number;
  durationMs: number;
}

export class TftpFetchError extends Error {
  constructor(
    readonly kind: 'url' | 'timeout' | 'server' | 'protocol' | 'aborted' | 'network',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Downloads a file by TFTP (RFC 1350, with blksize, tsize and windowsize from
 * RFCs 2347-2349 and 7440), as a seat player's boot loader would. Blocks are
 * taken in order only; on a gap or a silence the last in-order block is
 * acknowledged again, which tells the server where to resume.
 */
export async function tftpFetch(url: string, o: TftpFetchOptions = {}): Promise<TftpFetchResult> {
  const target = parseTftpUrl(url);
  const socket = await bindUdp(o.bind ?? '127.0.0.1', 0);
  socket.unref();
  return new Download(socket, target, o).done;
}

export function parseTftpUrl(url: string): { host: string; port: number; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TftpFetchError('url', `not a URL: ${url.slice(0, 100)}`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (u.protocol !== 'tftp:' || u.pathname.length < 2) throw new TftpFetchError('url', `not a tftp://host/file URL: ${url.slice(0, 100)}`);
  // Answers are matched by source address, so the host must be the address they come from.
  if (isIP(host) === 0) throw new TftpFetchError('url', `the host of ${url.slice(0, 100)} must be an IP address`);
  let path: string;
  try {
    path = decodeURIComponent(u.pathname.slice(1));
  } catch {
    throw new TftpFetchError('url', `bad %-escape in ${url.slice(0, 100)}`);
  }
  return { host, port: u.port ? Number(u.port) : 69, path };
}

class Download {
  readonly done: Promise<TftpFetchResult>;
  #resolve!: (r: TftpFetchResult) => void;
  #reject!: (e: Error) => void;
  readonly #started = performance.now();
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #askBlksize: number;
  readonly #askWindow: number;
  #timer: NodeJS.Timeout;
  /** The server's transfer port, learnt from its first answer. */
  #tid: number | undefined;
  #blksize = 512;
  #windowsize = 1;
  #tsize: number | undefined;
  /** Blocks received in order so far (absolute; the wire number is 16 bits). */
  #block = 0;
  #sinceAck = 0;
  /** We already re-acknowledged since the last progress: one nudge per stall, not one per stray packet. */
  #nudged = false;
  #bytes = 0;
  #resent = 0;
  #silences = 0;
  #last: Buffer;
  #over = false;

  constructor(
    private readonly socket: Socket,
    private readonly target: { host: string; port: number; path: string },
    private readonly o: TftpFetchOptions,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#timeoutMs = o.timeoutMs ?? 1000;
    this.#retries = o.retries ?? 5;
    this.#askBlksize = Math.min(Math.max(o.blksize ?? 1428, MIN_BLKSIZE), MAX_BLKSIZE);
    this.#askWindow = Math.max(1, o.windowsize ?? 16);
    socket.on('message', this.#onMessage);
    socket.on('error', (err) => this.#fail(new TftpFetchError('network', err.message)));
    o.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#last = encodeRequest('rrq', target.path, 'octet', { blksize: this.#askBlksize, tsize: 0, windowsize: this.#askWindow });
    this.#send(this.#last, target.port);
    this.#timer = setTimeout(this.#onSilence, this.#timeoutMs);
    if (o.signal?.aborted) this.#onAbort();
  }

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#over || this.o.lose?.()) return;
    if (rinfo.address !== this.target.host) return;
    if (this.#tid === undefined) this.#tid = rinfo.port;
    else if (rinfo.port !== this.#tid) {
      // RFC 1350: a packet from another port is not ours; say so without ending our transfer.
      this.socket.send(encodeError(ErrorCode.UnknownTransferId, 'unknown transfer ID'), rinfo.port, rinfo.address);
      return;
    }
    const parsed = parsePacket(msg);
    if (!parsed.ok) return;
    const p = parsed.packet;
    if (p.op === 'error') return this.#fail(new TftpFetchError('server', `server error ${p.code}: ${p.message.slice(0, 200)}`));
    if (p.op === 'oack') return this.#onOack(p.options);
    if (p.op === 'data') return this.#onData(p.block, p.data);
  };

  #onOack(options: Map<string, string>): void {
    if (this.#block > 0) return; // a late duplicate
    const blksize = Number(options.get('blksize') ?? 512);
    const windowsize = Number(options.get('windowsize') ?? 1);
    if (!(blksize >= MIN_BLKSIZE && blksize <= this.#askBlksize) || !(windowsize >= 1 && windowsize <= this.#askWindow)) {
      const why = `server granted blksize ${blksize} and windowsize ${windowsize}, beyond what was asked`;
      return this.#fail(new TftpFetchError('protocol', why), encodeError(ErrorCode.OptionRefused, 'option granted beyond what was asked'));
    }
    this.#blksize = blksize;
    this.#windowsize = windowsize;
    if (options.has('tsize')) this.#tsize = Number(options.get('tsize'));
    this.#progress();
    this.#ack(0);
  }

  #onData(wire: number, data: Buffer): void {
    if (wire !== ((this.#block + 1) & 0xffff)) {
      // A gap, or a window sent again: acknowledge where we are, once, so the server resumes there.
      if (!this.#nudged) {
        this.#nudged = true;
        this.#resent++;
        this.#ack(this.#block);
      }
      return;
    }
    if (data.length > this.#blksize) return this.#fail(new TftpFetchError('protocol', `block ${this.#block + 1} is ${data.length} bytes, over blksize ${this.#blksize}`));
    this.#block++;
    this.#bytes += data.length;
    this.#progress();
    this.o.onData?.(data);
    if (data.length < this.#blksize) return this.#finish();
    if (++this.#sinceAck >= this.#windowsize) this.#ack(this.#block);
  }

  #ack(block: number): void {
    this.#sinceAck = 0;
    this.#last = encodeAck(block);
    this.#send(this.#last, this.#tid!);
  }

  #progress(): void {
    this.#silences = 0;
    this.#nudged = false;
    this.#timer.refresh();
  }

  readonly #onSilence = (): void => {
    if (this.#over) return;
    if (++this.#silences > this.#retries) {
      const why = `no answer from ${this.target.host} after ${this.#retries} retries (${this.#bytes} bytes received)`;
      return this.#fail(new TftpFetchError('timeout', why), encodeError(ErrorCode.NotDefined, 'timed out'));
    }
    this.#resent++;
    this.#send(this.#last, this.#tid ?? this.target.port);
    this.#timer.refresh();
  };

  readonly #onAbort = (): void => {
    this.#fail(new TftpFetchError('aborted', 'download abandoned'), encodeError(ErrorCode.NotDefined, 'download abandoned'));
  };

  #finish(): void {
    // The final ACK may be lost: stay a while to acknowledge the last block again if the server repeats it.
    const final = encodeAck(this.#block);
    this.#send(final, this.#tid!);
    this.#end();
    this.socket.on('message', (_msg, rinfo) => {
      if (rinfo.port === this.#tid) this.socket.send(final, rinfo.port, rinfo.address);
    });
    setTimeout(() => this.socket.close(), this.#timeoutMs).unref();
    this.#resolve({
      bytes: this.#bytes,
      ...(this.#tsize === undefined ? {} : { tsize: this.#tsize }),
      blksize: this.#blksize,
      windowsize: this.#windowsize,
      resent: this.#resent,
      durationMs: performance.now() - this.#started,
    });
  }

  /** Ends with an error; `farewell` tells the server (once it is known) so it stops sending. */
  #fail(err: TftpFetchError, farewell?: Buffer): void {
    if (this.#over) return;
    this.#end();
    const close = (): void => void this.socket.close();
    // Closing cancels a queued send: close once the farewell has left.
    if (farewell && this.#tid !== undefined) this.socket.send(farewell, this.#tid, this.target.host, close);
    else close();
    this.#reject(err);
  }

  #end(): void {
    this.#over = true;
    clearTimeout(this.#timer);
    this.socket.removeAllListeners('message');
    this.o.signal?.removeEventListener('abort', this.#onAbort);
  }

  #send(packet: Buffer, port: number): void {
    this.socket.send(packet, port, this.target.host);
  }
}
