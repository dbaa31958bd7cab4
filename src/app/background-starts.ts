import type { Logger } from '../core/log.js';
import type { Service } from '../core/service.js';
import { StartFailure } from '../core/start-failure.js';

/** One feature's services still to start, in order; `starting` names those not up yet. */
export interface FeatureServices {
  readonly feature: string;
  readonly services: readonly Service[];
  /** Names of its services whose first start is not over (read by its routes' gate and by health). */
  starting: string[];
}

/**
 * The first starts of the non-essential features' services, after seats are
 * answered. Each feature's services start in their order (a feature's later
 * service may need its earlier one: rollouts need the catalog), the features
 * side by side, so a slow one (the TFTP thread, 2-7 s on a loaded machine)
 * delays no other. Services are Supervised: a failed first start retries in
 * the background, except a StartFailure, which fails the whole start.
 */
export class BackgroundStarts {
  readonly #entries: FeatureServices[] = [];
  #run: Promise<Error | undefined> | undefined;

  add(feature: string, services: readonly Service[]): FeatureServices {
    const entry: FeatureServices = { feature, services, starting: services.map((s) => s.name) };
    this.#entries.push(entry);
    return entry;
  }

  /** Every service whose first start is not over, in feature order. */
  get starting(): string[] {
    return this.#entries.flatMap((e) => e.starting);
  }

  /** Resolves once every first start is over (or was never begun): with the StartFailure that ended it, if one did. */
  get settled(): Promise<Error | undefined> {
    return this.#run ?? Promise.resolve(undefined);
  }

  /**
   * Starts them all. `stopped()` is asked before each start, so a stop
   * meanwhile starts nothing more; `onFailure` is told of the first
   * StartFailure at once (the controller stops), not when the rest are done.
   */
  run(log: Logger, stopped: () => boolean, timings: Record<string, number>, onFailure: (e: Error) => void): void {
    if (this.#run) return;
    const t0 = performance.now();
    let failure: Error | undefined;
    const chain = async (entry: FeatureServices): Promise<void> => {
      for (const s of entry.services) {
        if (stopped() || failure) break;
        const t = performance.now();
        try {
          await s.start();
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          if (!failure && !stopped()) {
            failure = err;
            onFailure(err);
          }
          if (!(e instanceof StartFailure)) log.error({ service: s.name, err: err.message }, 'service start threw');
          break;
        } finally {
          timings[`service:${s.name}`] = Math.round(performance.now() - t);
          entry.starting = entry.starting.filter((n) => n !== s.name);
        }
      }
      entry.starting = [];
    };
    this.#run = Promise.all(this.#entries.map(chain)).then(() => {
      timings.services = Math.round(performance.now() - t0);
      if (!failure && !stopped()) log.info({ startupMs: timings }, 'every service has started');
      return failure;
    });
  }
}
