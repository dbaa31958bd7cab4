import { Type, type Static } from '@sinclair/typebox';
import { Subject } from 'rxjs';
import { Section } from '../../../src/config/formats.js';
import type { EventDeclarations } from '../../../src/contract/events.js';
import type { Feature } from '../../../src/contract/feature.js';
import { HealthCell, type Service } from '../../../src/core/service.js';

/**
 * The example capability the seam is proven with: galley ovens. One folder
 * (this one) and one line in a feature list; it touches nothing else.
 */
export const galleySection = Section({
  ovens: Type.Integer({ minimum: 1, maximum: 12, default: 2 }),
  preheatC: Type.Integer({ minimum: 50, maximum: 250, default: 180 }),
});

declare module '../../../src/contract/config.js' {
  interface ConfigSections {
    galley?: Static<typeof galleySection>;
  }
}

declare module '../../../src/contract/events.js' {
  interface CabinEventMap {
    'galley.ovenOn': { seat: null; at: number; oven: number; by: string };
  }
}

const GALLEY_EVENTS: EventDeclarations = { 'galley.ovenOn': 'stored' };

/** A service with health that can die after it started (to prove supervision restarts it). */
class OvenController implements Service {
  readonly name = 'galley';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly #failed = new Subject<Error>();
  readonly failed$ = this.#failed.asObservable();
  starts = 0;

  async start(): Promise<void> {
    this.starts++;
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    this.#health.set('down', 'stopped');
  }

  die(why: string): void {
    this.#failed.next(new Error(why));
  }
}

export function galleyFeature(): Feature & { oven?: OvenController } {
  const f: Feature & { oven?: OvenController } = {
    name: 'galley',
    config: { galley: { schema: galleySection } },
    migrations: [{ version: 1, name: 'oven log', sql: 'CREATE TABLE galley_ovens (oven INTEGER PRIMARY KEY, on_since INTEGER)' }],
    events: GALLEY_EVENTS,
    setup(ctx) {
      const { ovens, preheatC } = ctx.config.galley!;
      const oven = (f.oven = new OvenController());
      for (let i = 1; i <= ovens; i++) ctx.entities.set({ id: `oven:${i}`, kind: 'oven', name: `Oven ${i}`, state: 'off', attributes: { preheatC } });
      const on = ctx.db.prepare('INSERT OR REPLACE INTO galley_ovens (oven, on_since) VALUES (?, ?)');
      return {
        services: [oven],
        routes: [
          async (app) => {
            app.post<{ Params: { n: string } }>('/api/v1/galley/ovens/:n/on', async (req, reply) => {
              const n = Number(req.params.n);
              if (!Number.isInteger(n) || n < 1 || n > ovens) return reply.code(404).send({ error: { code: 'UNKNOWN_OVEN', message: `no oven ${req.params.n}` } });
              on.run(n, Date.now());
              ctx.entities.set({ id: `oven:${n}`, kind: 'oven', name: `Oven ${n}`, state: 'heating', attributes: { preheatC } });
              ctx.bus.publish({ type: 'galley.ovenOn', seat: null, at: Date.now(), oven: n, by: 'test' });
              return { oven: n, state: 'heating' };
            });
          },
        ],
      };
    },
  };
  return f;
}
