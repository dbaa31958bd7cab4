/** Per-SSRC reception statistics: RFC 3550 appendix A.1 (sequence), A.3 (loss) and A.8 (jitter). */

const SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/** Recent extended sequence numbers kept to tell a duplicate from a late packet; wider than MAX_MISORDER. */
const SEEN_WINDOW = 128;

/** How a packet's sequence number relates to what came before it. */
export type Arrival = 'first' | 'in-order' | 'late' | 'duplicate' | 'jump' | 'restart';

export interface SourceStatsSnapshot {
  ssrc: number;
  /** Every datagram from this SSRC, duplicates included. */
  packets: number;
  lost: number;
  /** Arrived after a higher sequence number (reordered), not duplicates. */
  late: number;
  duplicates: number;
  /** Sequence resynchronisations after a jump (A.1): the sender restarted. */
  restarts: number;
  jitterMs: number;
}

export class SourceStats {
  #packets = 0;
  #late = 0;
  #duplicates = 0;
  #restarts = 0;
  #lostBeforeRestart = 0;
  #started = false;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #badSeq = SEQ_MOD + 1;
  #unique = 0;
  #seen = new Float64Array(SEEN_WINDOW);
  #jitterMs = 0;
  #clockRate = 0;
  #lastArrivalMs = Number.NaN;
  #lastTimestamp = 0;

  constructor(readonly ssrc: number) {}

  update(sequence: number, timestamp: number, arrivalMs: number, clockRate: number): Arrival {
    this.#packets++;
    if (!this.#started) {
      this.#started = true;
      this.#restartAt(sequence);
      this.#jitter(timestamp, arrivalMs, clockRate);
      return 'first';
    }
    let kind: Arrival;
    let ext: number;
    const udelta = (sequence - this.#maxSeq) & 0xffff;
    if (udelta < MAX_DROPOUT) {
      if (sequence < this.#maxSeq) this.#cycles += SEQ_MOD;
      this.#maxSeq = sequence;
      ext = this.#cycles + sequence;
      kind = 'in-order';
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A large jump is dropped unless the next packet follows it: then the sender restarted.
      if (sequence !== this.#badSeq) {
        this.#badSeq = (sequence + 1) & 0xffff;
        return 'jump';
      }
      this.#lostBeforeRestart += this.#lostSinceBase();
      this.#restarts++;
      this.#restartAt(sequence);
      this.#lastArrivalMs = Number.NaN;
      this.#jitter(timestamp, arrivalMs, clockRate);
      return 'restart';
    } else {
      ext = this.#cycles + sequence - (sequence > this.#maxSeq ? SEQ_MOD : 0);
      kind = 'late';
    }
    const slot = ((ext % SEEN_WINDOW) + SEEN_WINDOW) % SEEN_WINDOW;
    if (this.#seen[slot] === ext) {
      this.#duplicates++;
      return 'duplicate';
    }
    this.#seen[slot] = ext;
    this.#unique++;
    if (kind === 'late') this.#late++;
    this.#jitter(timestamp, arrivalMs, clockRate);
    return kind;
  }

  snapshot(): SourceStatsSnapshot {
    return {
      ssrc: this.ssrc,
      packets: this.#packets,
      lost: this.#lostBeforeRestart + this.#lostSinceBase(),
      late: this.#late,
      duplicates: this.#duplicates,
      restarts: this.#restarts,
      jitterMs: this.#jitterMs,
    };
  }

  #restartAt(sequence: number): void {
    this.#baseSeq = sequence;
    this.#maxSeq = sequence;
    this.#cycles = 0;
    this.#badSeq = SEQ_MOD + 1;
    this.#unique = 1;
    this.#seen.fill(-1);
    this.#seen[sequence % SEEN_WINDOW] = sequence;
  }

  /** A.3: expected minus received; a packet from before the first one seen can make that negative. */
  #lostSinceBase(): number {
    const expected = this.#cycles + this.#maxSeq - this.#baseSeq + 1;
    return Math.max(0, expected - this.#unique);
  }

  /** A.8, kept in ms rather than timestamp units: the estimator is linear, so only the unit differs. */
  #jitter(timestamp: number, arrivalMs: number, clockRate: number): void {
    if (clockRate !== this.#clockRate) {
      // A new payload format has a new clock: the previous timestamp is not comparable.
      this.#clockRate = clockRate;
      this.#lastArrivalMs = Number.NaN;
    }
    if (!Number.isNaN(this.#lastArrivalMs)) {
      const sentDeltaMs = (((timestamp - this.#lastTimestamp) | 0) * 1000) / clockRate;
      const d = arrivalMs - this.#lastArrivalMs - sentDeltaMs;
      this.#jitterMs += (Math.abs(d) - this.#jitterMs) / 16;
    }
    this.#lastArrivalMs = arrivalMs;
    this.#lastTimestamp = timestamp;
  }
}

/**
 * Statistics for the SSRCs heard most recently. Bounded, because garbage with
 * random SSRCs must not grow memory: the least recently heard SSRC is forgotten.
 */
export class SourceStatsTable {
  readonly #bySsrc = new Map<number, SourceStats>();

  constructor(private readonly capacity = 8) {}

  update(ssrc: number, sequence: number, timestamp: number, arrivalMs: number, clockRate: number): Arrival {
    let stats = this.#bySsrc.get(ssrc);
    if (stats) {
      this.#bySsrc.delete(ssrc);
    } else {
      stats = new SourceStats(ssrc);
      if (this.#bySsrc.size >= this.capacity) this.#bySsrc.delete(this.#bySsrc.keys().next().value!);
    }
    this.#bySsrc.set(ssrc, stats); // Map order is insertion order: the oldest entry is the least recent
    return stats.update(sequence, timestamp, arrivalMs, clockRate);
  }

  snapshot(): SourceStatsSnapshot[] {
    return [...this.#bySsrc.values()].map((s) => s.snapshot());
  }
}
