/**
 * What can go wrong on a seat during an update, injected per seat:
 * corrupt: a byte flips in the download, so the digest check fails;
 * timeout: the download stalls half-way and the seat goes quiet about it;
 * crash: power is lost while flashing: back on the old image, the attempt forgotten;
 * fail-boot: the new image does not boot: A/B falls back to the old one and reports failed.
 */
export const FIRMWARE_FAULTS = ['corrupt', 'timeout', 'crash', 'fail-boot'] as const;
export type FirmwareFault = (typeof FIRMWARE_FAULTS)[number];

export function isFirmwareFault(v: unknown): v is FirmwareFault {
  return typeof v === 'string' && (FIRMWARE_FAULTS as readonly string[]).includes(v);
}

/** Per seat, the fault its next update attempts suffer, and for how many attempts. */
export class FaultBook {
  readonly #faults = new Map<string, { fault: FirmwareFault; left: number }>();

  /** `attempts`: how many update attempts it spoils (default: all). */
  set(seat: string, fault: FirmwareFault, attempts = Infinity): void {
    if (!(attempts >= 1)) throw new RangeError(`a fault must spoil at least one attempt, not ${attempts}`);
    this.#faults.set(seat, { fault, left: attempts });
  }

  clear(seat: string): void {
    this.#faults.delete(seat);
  }

  /** The fault for the attempt starting now, used up. */
  take(seat: string): FirmwareFault | undefined {
    const f = this.#faults.get(seat);
    if (!f) return undefined;
    if (--f.left <= 0) this.#faults.delete(seat);
    return f.fault;
  }
}
