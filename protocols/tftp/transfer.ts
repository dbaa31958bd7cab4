import type { RemoteInfo, Socket } from 'node:dgram';
import type { BlockSource } from './block-source.js';
import { ErrorCode, Opcode, encodeError, parsePacket } from './codec.js';
import type { Outcome } from './events.js';
import { ackReceived, isComplete, startWindow, timedOut, type WindowState } from './window.js';

export interface TransferOptions {
  /** Bound to an ephemeral port for this transfer alone; closed when it ends. */
  socket: Socket;
  address: string;
  port: number;
  source: BlockSource;
  size: number;
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  maxRetries: number;
  oack: Buffer | undefined;
  onRetransmit(): void;
  onBadPacket(rinfo: RemoteInfo, reason: string): void;
}

export interface TransferResult {
  outcome: Outcome;
  reason: string;
  /** File bytes the client acknowledged. */
  bytes: number;
  retransmits: number;
}

/**
 * One read transfer on its own port: sends the window the pure window logic
 * plans, re-plans on each ACK and on each timeout. The timer restarts only on
 * progress, so a client repeating stale ACKs still runs into the retry limit.
 */
export class Transfer {
  readonly done: Promise<TransferResult>;
  readonly #o: TransferOptions;
  readonly #timer: NodeJS.Timeout;
  #resolve!: (r: TransferResult) => void;
  #state: WindowState;
  /** The part of the current plan not yet sent. */
  #next = 0;
  #to = -1;
  #highestSent = -1;
  #retransmits = 0;
  #retries = 0;
  #loading = false;
  #finished = false;

  constructor(o: TransferOptions) {
    this.#o = o;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    o.socket.on('message', this.#onMessage);
    o.socket.on('error', this.#onSocketError);
    this.#timer = setTimeout(this.#onTimeout, o.timeoutMs);
    const plan = startWindow(o.oack !== undefined, o.windowsize, o.source.lastBlock);
    this.#state = plan.state;
    this.#send(plan.from, plan.to);
  }

  /** Ends the transfer now (server stopping), telling the client why. */
  abort(reason: string): void {
    this.#finish('aborted', reason, encodeError(ErrorCode.NotDefined, reason));
  }

  #send(from: number, to: number): void {
    this.#next = from;
    this.#to = to;
    this.#pump();
  }

  #pump(): void {
    const { socket, source, port, address } = this.#o;
    while (this.#next <= this.#to && !this.#finished) {
      const block = this.#next;
      const packet = block === 0 ? this.#o.oack : source.packet(block);
      if (!packet) return this.#awaitBlock(block);
      if (block <= this.#highestSent) {
        this.#retransmits++;
        this.#o.onRetransmit();
      } else {
        this.#highestSent = block;
      }
      socket.send(packet, port, address);
      this.#next++;
    }
  }

  #awaitBlock(block: number): void {
    if (this.#loading) return;
    this.#loading = true;
    this.#o.source.load(block).then(
      () => {
        this.#loading = false;
        // Loaded yet missing would mean pump and load chase each other forever.
        if (!this.#o.source.packet(block)) return this.#finish('read-error', `block ${block} not readable`, encodeError(ErrorCode.NotDefined, 'read error'));
        this.#pump();
      },
      (err: Error) => this.#finish('read-error', err.message, encodeError(ErrorCode.NotDefined, 'read error')),
    );
  }

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#finished) return;
    const { port, address, windowsize, source } = this.#o;
    if (rinfo.port !== port || rinfo.address !== address) {
      this.#o.onBadPacket(rinfo, 'packet from an unknown transfer ID');
      // Never answer an ERROR: two confused peers would volley forever.
      if (msg.length < 2 || msg.readUInt16BE(0) !== Opcode.ERROR) {
        this.#o.socket.send(encodeError(ErrorCode.UnknownTransferId, 'unknown transfer ID'), rinfo.port, rinfo.address);
      }
      return;
    }
    const parsed = parsePacket(msg);
    if (!parsed.ok) return this.#o.onBadPacket(rinfo, parsed.message);
    const packet = parsed.packet;
    if (packet.op === 'error') {
      return this.#finish('client-error', `client sent error ${packet.code}: ${packet.message.slice(0, 100)}`);
    }
    if (packet.op !== 'ack') return this.#o.onBadPacket(rinfo, `unexpected ${packet.op.toUpperCase()} during a read`);
    const plan = ackReceived(this.#state, packet.block, windowsize, source.lastBlock);
    if (!plan) return;
    this.#state = plan.state;
    this.#retries = 0;
    if (isComplete(plan.state, source.lastBlock)) return this.#finish('completed', 'completed');
    source.release(plan.state.acked);
    this.#timer.refresh();
    this.#send(plan.from, plan.to);
  };

  readonly #onTimeout = (): void => {
    if (this.#finished) return;
    if (++this.#retries > this.#o.maxRetries) {
      const reason = `no ACK after ${this.#o.maxRetries} retransmissions`;
      return this.#finish('timeout', reason, encodeError(ErrorCode.NotDefined, 'timed out'));
    }
    const plan = timedOut(this.#state, this.#o.windowsize, this.#o.source.lastBlock);
    this.#timer.refresh();
    this.#send(plan.from, plan.to);
  };

  readonly #onSocketError = (err: Error): void => {
    this.#finish('network-error', err.message);
  };

  #finish(outcome: Outcome, reason: string, farewell?: Buffer): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    const { socket, port, address, size, blksize } = this.#o;
    const close = (): void => void socket.close();
    // Close only after the farewell left: closing cancels queued sends.
    if (farewell) socket.send(farewell, port, address, close);
    else close();
    const bytes = Math.max(0, Math.min(size, this.#state.acked * blksize));
    this.#resolve({ outcome, reason, bytes, retransmits: this.#retransmits });
  }
}
