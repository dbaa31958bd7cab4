import type { FastifyInstance } from 'fastify';
import type { Layout } from '../config/layout.js';
import type { SeatRegistry } from '../cabin/registry.js';
import type { Logger } from '../core/log.js';
import type { Health, Service } from '../core/service.js';
import type { CabinStore } from '../store/cabin-store.js';
import type { Db } from '../store/database.js';
import type { Migration } from '../store/migrations.js';
import type { CapabilityName, Capabilities } from './capabilities.js';
import type { ConfigSection, PurserConfig } from './config.js';
import type { EntityStates } from './entities.js';
import type { EventBus } from './event-bus.js';
import type { EventDeclarations } from './events.js';
import type { Metrics } from './metrics.js';

/** A family of HTTP routes (a fastify plugin with its schemas beside it). */
export type RoutePlugin = (app: FastifyInstance, ctx: ControllerContext) => Promise<void>;

/**
 * A capability: one folder under src/ and one line in the feature list
 * (src/app/features.ts). It owns its config sections, its migrations
 * (numbered 1, 2, 3... within the feature), its event types and its
 * entities; `setup()` runs once the spine and every earlier feature exist
 * and returns what the controller runs for it.
 */
export interface Feature {
  /** Unique; also the namespace of its migrations. */
  name: string;
  /** Config sections by top-level key, validated with the rest before anything starts. */
  config?: Record<string, ConfigSection>;
  migrations?: Migration[];
  /** Whether each event type it publishes is stored or live only. */
  events?: EventDeclarations;
  /** Essential features fail the start if a service cannot start; the others are supervised (retried with backoff). */
  essential?: boolean;
  setup(ctx: FeatureContext): FeatureParts | Promise<FeatureParts>;
}

/** What a feature's setup returns. */
export interface FeatureParts {
  /** Started in order after setup, stopped in reverse. */
  services?: Service[];
  routes?: RoutePlugin[];
  /** Capabilities for later features (and routes) to look up by name. */
  provides?: { [K in CapabilityName]?: Capabilities[K] };
}

/** What route plugins and services get from the controller: its parts, not the controller itself. */
export interface ControllerContext {
  config: PurserConfig;
  layout: Layout;
  log: Logger;
  db: Db;
  store: CabinStore;
  registry: SeatRegistry;
  bus: EventBus;
  entities: EntityStates;
  metrics: Metrics;
  cabinSecret: Buffer;
  health(): Record<string, Health>;
  /** A capability an earlier feature provides; throws, naming both, if none does. */
  need<K extends CapabilityName>(name: K): Capabilities[K];
  /** A capability that may be absent. */
  find<K extends CapabilityName>(name: K): Capabilities[K] | undefined;
  /** Aborts once the controller begins to stop; long-lived responses (SSE) end then. */
  stopping: AbortSignal;
}

/** The context a feature's setup gets: the controller's, with `need` naming the feature in its errors. */
export type FeatureContext = ControllerContext;
