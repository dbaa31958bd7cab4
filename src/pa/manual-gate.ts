import type { PaSource } from './detector.js';

/**
 * Keeps the detector from undoing a PA the crew began by hand: while a manual
 * override of a source is on, the detector's begin and end for that source are
 * not sent (the cabin already hears it; only the crew's own pa.end ends it).
 */
export class ManualPaGate {
  readonly #manual = new Set<PaSource>();

  /** Every pa.begin / pa.end the command log takes, by whoever issued it. */
  observe(cmd: string, source: PaSource, byDetector: boolean): void {
    if (byDetector) return;
    if (cmd === 'pa.begin') this.#manual.add(source);
    else if (cmd === 'pa.end') this.#manual.delete(source);
  }

  /** Whether the detector's decision for `source` should become a command. */
  allows(source: PaSource): boolean {
    return !this.#manual.has(source);
  }

  manual(): PaSource[] {
    return [...this.#manual];
  }
}
