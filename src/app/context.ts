import type { Layout } from '../config/layout.js';
import type { PurserConfig } from '../config/types.js';
import type { SeatRegistry } from '../cabin/registry.js';
import type { PollResponder } from '../cabin/poll-responder.js';
import type { CabinStore } from '../store/cabin-store.js';
import type { Db } from '../store/database.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../core/log.js';
import type { Health } from '../core/service.js';

/** What route plugins and services get from the controller: its parts, not the controller itself. */
export interface ControllerContext {
  config: PurserConfig;
  layout: Layout;
  log: Logger;
  db: Db;
  store: CabinStore;
  registry: SeatRegistry;
  metrics: Metrics;
  cabinSecret: Buffer;
  /** Replaced by the command book once it starts. */
  responder: PollResponder;
  health(): Record<string, Health>;
  /** Resolves once the controller begins to stop; long-lived responses (SSE) end then. */
  stopping: AbortSignal;
}
