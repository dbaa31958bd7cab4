/** What a shared render has done so far (the bench and /metrics read it). */
export interface SharedRenderStats {
  /** Times the render function ran. */
  renders: number;
  /** Times a caller got an earlier render's text. */
  hits: number;
  /** Microseconds spent rendering, in all. */
  renderMicros: number;
  /** The slowest one render, in µs. */
  maxRenderMicros: number;
}

export interface SharedRenderOptions {
  /** The longest a render is handed out after it was made (the bound on staleness). */
  maxAgeMs: number;
  /**
   * After the source changed, a render this young is still handed out: under
   * constant churn, callers asking at the same moment still share one render.
   */
  minAgeMs: number;
  /** Monotonic ms. */
  now?: () => number;
  /** At most this many views are kept (oldest dropped first). */
  maxViews?: number;
}

interface Entry {
  at: number;
  generation: number;
  text: string;
}

/**
 * One render of a view shared by every caller who asks for the same view at
 * about the same moment (20 console sessions running `seats` cost one table).
 * A render is reused while it is younger than `maxAgeMs`, and only while
 * younger than `minAgeMs` once `changed()` says the source moved on; so what
 * a caller sees is never older than `maxAgeMs`, and a change is seen at most
 * `minAgeMs` late. Synchronous: there is no in-flight render to wait for.
 */
export class SharedRender {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxViews: number;
  #generation = 0;
  readonly stats: SharedRenderStats = { renders: 0, hits: 0, renderMicros: 0, maxRenderMicros: 0 };

  constructor(private readonly o: SharedRenderOptions) {
    this.#now = o.now ?? (() => performance.now());
    this.#maxViews = o.maxViews ?? 64;
  }

  /** The source changed: renders older than minAgeMs are not handed out again. */
  changed(): void {
    this.#generation++;
  }

  get(view: string, render: () => string): string {
    const now = this.#now();
    const e = this.#entries.get(view);
    if (e !== undefined) {
      const age = now - e.at;
      if (age >= 0 && age < this.o.maxAgeMs && (e.generation === this.#generation || age < this.o.minAgeMs)) {
        this.stats.hits++;
        return e.text;
      }
      this.#entries.delete(view);
    }
    const t0 = performance.now();
    const text = render();
    const us = (performance.now() - t0) * 1000;
    this.stats.renders++;
    this.stats.renderMicros += us;
    if (us > this.stats.maxRenderMicros) this.stats.maxRenderMicros = us;
    if (this.#entries.size >= this.#maxViews) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(view, { at: now, generation: this.#generation, text });
    return text;
  }
}
