import type { RemoteInfo, Socket } from 'node:dgram';
import type { BlockSource } from './block-source.js';
import type { BusyPoll } from './busy-poll.js';
import { ErrorCode, Opcode, encodeError, parsePacket } from './codec.js';
import type { Outcome } from './events.js';
import { nextSrtt, probeDelayMs } from './tail-probe.js';
import { ackReceived, isComplete, repeatedAck, startWindow, timedOut, type WindowState } from './window.js';

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
  /** Shared by the server's transfers: polls for the ACK of each window sent (busy-poll.ts). */
  busyPoll?: BusyPoll;
  onRetransmit(): void;
  /** A tail-loss probe went out (see tail-probe.ts). */
  onProbe(): void;
  onBadPacket(rinfo: RemoteInfo, reason: string): void;
}

export interface TransferResult {
  outcome: Outcome;
  reason: string;
  /** File bytes the client acknowledged. */
  bytes: number;
  retransmits: number;
  probes: number;
}

/**
 * One read transfer on its own port: sends the window the pure window logic
 * plans, re-plans on each ACK, on a repeated ACK (a lost first block) and on
 * each timeout, and probes a window's tail when its ACK is overdue
 * (tail-probe.ts). The timer restarts only on progress, so a client repeating
 * stale ACKs still runs into the retry limit.
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
  #probes = 0;
  #retries = 0;
  #loading = false;
  #finished = false;
  /** Tail-loss probe (windows of more than one block), see tail-probe.ts. */
  #probe: NodeJS.Timeout | undefined;
  #probeMs = 0;
  #probeArmed = false;
  /** Smoothed round trip of whole windows, ms; undefined until the first sample. */
  #srttMs: number | undefined;
  #windowSentAt = 0;
  /** Part of the current window went out twice: its ACK gives no round-trip sample (Karn). */
  #windowResent = false;
  /**
   * The current window was not sent after a whole-window ACK (a gap restarted
   * it, or a timeout or a repeated ACK resent it): a repeated ACK now is an
   * echo of that, not news of a lost first block.
   */
  #repeatAnswered = false;
  /**
   * Blocks that probes sent again. A seat that already had one repeats its
   * ACK for it once, which is no loss: that repeat is not answered. (Several
   * at once when probes fire for window after window on a slow seat.)
   */
  readonly #probed = new Set<number>();

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
    if (this.#next > this.#to && !this.#finished) this.#windowOut();
  }

  /**
   * The whole window (or the OACK) is out: time its round trip, poll for its
   * ACK, and probe its tail if need be. The OACK's round trip is not timed: it
   * includes the client getting ready for the file, not just the network.
   */
  #windowOut(): void {
    if (this.#to >= 1) {
      this.#windowSentAt = performance.now();
      if (this.#o.windowsize > 1) this.#armProbe();
    }
    this.#o.busyPoll?.expect(this.#srttMs);
  }

  /** Probe the window's tail if no ACK comes in a few round trips. */
  #armProbe(): void {
    this.#probeArmed = true;
    const ms = probeDelayMs(this.#srttMs, this.#o.timeoutMs);
    // One timer per transfer, re-armed per window; made anew only when the delay moves by a quarter.
    if (this.#probe && Math.abs(ms - this.#probeMs) <= this.#probeMs / 4) {
      this.#probe.refresh();
      return;
    }
    clearTimeout(this.#probe);
    this.#probeMs = ms;
    this.#probe = setTimeout(this.#onProbe, ms);
  }

  /**
   * No ACK for the window yet: its last block once more (not through #pump,
   * which would arm another probe). A window that a gap, a timeout or a
   * repeated ACK restarted gets its first block first: the seat may have
   * lost it again, and having reported its gap once it waits, silent, for
   * that block; with it, the last block then shows it the next gap.
   */
  readonly #onProbe = (): void => {
    if (this.#finished || !this.#probeArmed) return;
    this.#probeArmed = false;
    const { acked, sent } = this.#state;
    const tail = sent > acked ? this.#o.source.packet(sent) : undefined;
    if (!tail) return;
    const head = this.#repeatAnswered && acked + 1 < sent ? this.#o.source.packet(acked + 1) : undefined;
    this.#probed.add(sent);
    this.#windowResent = true;
    for (const packet of head ? [head, tail] : [tail]) {
      this.#probes++;
      this.#o.onProbe();
      this.#o.socket.send(packet, this.#o.port, this.#o.address);
    }
  };

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
    if (!plan) return this.#onRepeatedAck(packet.block);
    this.#probeArmed = false;
    const whole = plan.state.acked === this.#state.sent;
    if (whole && !this.#windowResent && this.#windowSentAt > 0) {
      this.#srttMs = nextSrtt(this.#srttMs, performance.now() - this.#windowSentAt);
    }
    this.#windowResent = false;
    this.#repeatAnswered = !whole;
    // Echoes of probes of blocks before the new ACK can no longer be told from stale ACKs: forget them.
    for (const b of this.#probed) if (b < plan.state.acked) this.#probed.delete(b);
    this.#state = plan.state;
    this.#retries = 0;
    if (isComplete(plan.state, source.lastBlock)) return this.#finish('completed', 'completed');
    source.release(plan.state.acked);
    this.#timer.refresh();
    this.#send(plan.from, plan.to);
  };

  /** The seat lost the first block of the window: send the window again, once (see repeatedAck). */
  #onRepeatedAck(wireBlock: number): void {
    if (this.#repeatAnswered) return;
    const again = repeatedAck(this.#state, wireBlock, this.#o.windowsize, this.#o.source.lastBlock);
    if (!again) return;
    if (this.#probed.delete(this.#state.acked)) return; // the echo of a probe the seat did not need
    this.#repeatAnswered = true;
    this.#windowResent = true;
    this.#probeArmed = false;
    this.#send(again.from, again.to);
  }

  readonly #onTimeout = (): void => {
    if (this.#finished) return;
    if (++this.#retries > this.#o.maxRetries) {
      const reason = `no ACK after ${this.#o.maxRetries} retransmissions`;
      return this.#finish('timeout', reason, encodeError(ErrorCode.NotDefined, 'timed out'));
    }
    const plan = timedOut(this.#state, this.#o.windowsize, this.#o.source.lastBlock);
    this.#windowResent = true;
    this.#repeatAnswered = true;
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
    clearTimeout(this.#probe);
    const { socket, port, address, size, blksize } = this.#o;
    const close = (): void => void socket.close();
    // Close only after the farewell left: closing cancels queued sends.
    if (farewell) socket.send(farewell, port, address, close);
    else close();
    const bytes = Math.max(0, Math.min(size, this.#state.acked * blksize));
    this.#resolve({ outcome, reason, bytes, retransmits: this.#retransmits, probes: this.#probes });
  }
}
