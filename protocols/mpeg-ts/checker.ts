import { NULL_PID, PAT_PID, SYNC_BYTE, TS_PACKET_SIZE, readHeader } from './packet.js';
import { TABLE_PAT, TABLE_PMT, pmtPidsOfPat, sectionInPayload } from './psi.js';

export interface TsStats {
  /** Packets with a good sync byte. */
  packets: number;
  /** Every byte offered, good or not. */
  bytes: number;
  /** Packets whose first byte is not 0x47, plus datagrams that are not a whole number of packets. */
  syncErrors: number;
  /** Continuity-counter jumps: lost, reordered or corrupted packets. */
  ccErrors: number;
  /** Packets with transport_error_indicator set. */
  transportErrors: number;
  sawPat: boolean;
  sawPmt: boolean;
  /** PIDs seen (null packets excluded). */
  pids: number;
}

interface PidState {
  cc: number;
  /** The last packet with payload was already repeated once. */
  duplicated: boolean;
}

/** Bound the per-PID table: garbage must not grow memory (a real stream has a handful of PIDs). */
const MAX_TRACKED_PIDS = 64;

/**
 * Checks the MPEG-TS a seat would receive: datagrams of whole 188-byte packets
 * (VLC and ffmpeg send 7 per datagram), sync bytes, per-PID continuity
 * counters and the PAT/PMT a decoder needs. Counter rules (13818-1 2.4.3.3):
 * the counter advances only on packets with payload; an adaptation-field-only
 * packet repeats it; a packet with payload may be sent twice (the duplicate
 * is not an error, a third copy is); a discontinuity_indicator allows a jump.
 */
export class TsChecker {
  #packets = 0;
  #bytes = 0;
  #syncErrors = 0;
  #ccErrors = 0;
  #transportErrors = 0;
  #sawPat = false;
  #sawPmt = false;
  readonly #pids = new Map<number, PidState>();
  readonly #pmtPids = new Set<number>();

  /** Feeds one datagram. Never throws. */
  push(datagram: Uint8Array): void {
    this.#bytes += datagram.length;
    const whole = datagram.length - (datagram.length % TS_PACKET_SIZE);
    if (whole !== datagram.length) this.#syncErrors++;
    for (let at = 0; at < whole; at += TS_PACKET_SIZE) {
      if (datagram[at] !== SYNC_BYTE) {
        this.#syncErrors++;
        continue;
      }
      this.#packet(datagram.subarray(at, at + TS_PACKET_SIZE));
    }
  }

  stats(): TsStats {
    return {
      packets: this.#packets,
      bytes: this.#bytes,
      syncErrors: this.#syncErrors,
      ccErrors: this.#ccErrors,
      transportErrors: this.#transportErrors,
      sawPat: this.#sawPat,
      sawPmt: this.#sawPmt,
      pids: this.#pids.size,
    };
  }

  #packet(p: Uint8Array): void {
    this.#packets++;
    const h = readHeader(p, 0);
    if (h.transportError) {
      // Its header bits cannot be trusted: count it and judge nothing by it.
      this.#transportErrors++;
      return;
    }
    if (h.pid === NULL_PID || h.adaptationFieldControl === 0) return;
    this.#continuity(h.pid, h.continuityCounter, h.payloadOffset >= 0, h.discontinuity);
    if (h.payloadUnitStart && h.payloadOffset >= 0) this.#psi(h.pid, p.subarray(h.payloadOffset));
  }

  #continuity(pid: number, cc: number, hasPayload: boolean, discontinuity: boolean): void {
    const last = this.#pids.get(pid);
    if (!last) {
      if (this.#pids.size < MAX_TRACKED_PIDS) this.#pids.set(pid, { cc, duplicated: false });
      return;
    }
    if (discontinuity) {
      last.cc = cc;
      last.duplicated = false;
      return;
    }
    if (!hasPayload) {
      if (cc !== last.cc) this.#ccErrors++;
      last.cc = cc;
      return;
    }
    if (cc === last.cc) {
      if (last.duplicated) this.#ccErrors++;
      last.duplicated = true;
      return;
    }
    if (cc !== ((last.cc + 1) & 0x0f)) this.#ccErrors++;
    last.cc = cc;
    last.duplicated = false;
  }

  #psi(pid: number, payload: Uint8Array): void {
    if (pid !== PAT_PID && !this.#pmtPids.has(pid)) return;
    const section = sectionInPayload(payload);
    if (!section) return;
    if (pid === PAT_PID && section.tableId === TABLE_PAT) {
      this.#sawPat = true;
      for (const pmt of pmtPidsOfPat(section.bytes)) if (this.#pmtPids.size < MAX_TRACKED_PIDS) this.#pmtPids.add(pmt);
    } else if (section.tableId === TABLE_PMT) {
      this.#sawPmt = true;
    }
  }
}
