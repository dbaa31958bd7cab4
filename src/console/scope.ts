import type { PurserConfig } from '../contract/config.js';
import type { ControllerContext } from '../contract/feature.js';

/** Keys whose values are secrets wherever they appear in the config (the cabin secret, the API token, PIN hashes). */
const SECRET_KEY = /secret|token|password|pinhash|privatekey/i;

/** A deep copy of the config with every secret replaced by a marker: what the console's `config` shows. */
export function redactConfig(config: PurserConfig): Record<string, unknown> {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 20 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      Object.defineProperty(out, k, {
        value: SECRET_KEY.test(k) && x !== undefined && x !== null ? '[redacted]' : walk(x, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return Object.freeze(walk(config, 0)) as Record<string, unknown>;
}

/**
 * What a technician's REPL has in scope (docs/console.md): the live
 * registry, entities, bus, store, layout, the command service, the config
 * without its secrets, health() and a `services` view. Getters, so what is
 * read is always the controller's current object.
 */
export function consoleScope(ctx: ControllerContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config = redactConfig(ctx.config);
  const scope: Record<string, unknown> = {
    registry: ctx.registry,
    entities: ctx.entities,
    bus: ctx.bus,
    store: ctx.store,
    layout: ctx.layout,
    metrics: ctx.metrics,
    config,
    health: () => ctx.health(),
    ...extra,
  };
  Object.defineProperty(scope, 'commands', { get: () => ctx.find('commands'), enumerable: true });
  // Each service by name with its health now: `services.commands`, `services.console`.
  Object.defineProperty(scope, 'services', {
    get: () => Object.fromEntries(Object.entries(ctx.health()).map(([name, h]) => [name, { ...h, entity: ctx.entities.get(`service:${name}`) }])),
    enumerable: true,
  });
  Object.defineProperty(scope, 'seats', { get: () => ctx.registry.all(), enumerable: true });
  return scope;
}
