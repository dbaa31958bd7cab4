import { verifyPin, type ParsedPinHash } from './pin-hash.js';
import type { PanelRole } from './principal.js';

/** One PIN the panel accepts: a person's own (`panel.people`) or a role's shared one (`panel.crewPinHash`). */
export interface PinHolder {
  role: PanelRole;
  /** The person's name; absent for a shared role PIN. */
  person?: string;
  hash: ParsedPinHash;
  /** Where it is configured (`panel.people.2.pinHash`), for the log when a PIN turns out shared. */
  keyPath: string;
}

export type PinMatch =
  | { kind: 'none' }
  | { kind: 'one'; holder: PinHolder }
  /** The PIN is a person's and also someone else's (another person or a shared role PIN): it names nobody. */
  | { kind: 'shared'; holders: PinHolder[] };

/**
 * scrypt checks at once over the whole controller. libuv's pool has 4
 * threads, which also do file writes and fsyncs; two checks leave them two.
 */
export const MAX_PARALLEL_CHECKS = 2;

/** A FIFO gate of `max` slots for async work. */
export class Gate {
  #busy = 0;
  readonly #queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.max) await new Promise<void>((r) => this.#queue.push(r));
    else this.#busy++;
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#busy--;
    }
  }
}

/**
 * Whose PIN this is. Every holder is checked, whoever matches first: a login
 * takes as long whichever PIN it is, and a PIN two entries share is found.
 * Salted hashes cannot show that two people chose the same PIN, so that is
 * found here, the first time the PIN is used, and refused (`shared`).
 *
 * Which holder answers: a person's PIN when it is theirs alone; else a role
 * PIN, `role` if asked for, else technician before crew (as before people).
 * With `role`, a match of the other role is no match.
 */
export async function matchPin(pin: string, holders: readonly PinHolder[], gate: Gate, role?: PanelRole): Promise<PinMatch> {
  const ok = await Promise.all(holders.map((h) => gate.run(() => verifyPin(pin, h.hash))));
  const matched = holders.filter((_, i) => ok[i]);
  const people = matched.filter((h) => h.person !== undefined);
  if (people.length > 0) {
    if (matched.length > 1) return { kind: 'shared', holders: matched };
    return !role || people[0]!.role === role ? { kind: 'one', holder: people[0]! } : { kind: 'none' };
  }
  const order: PanelRole[] = role ? [role] : ['technician', 'crew'];
  for (const r of order) {
    const h = matched.find((m) => m.role === r);
    if (h) return { kind: 'one', holder: h };
  }
  return { kind: 'none' };
}
