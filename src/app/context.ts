import type { Layout } from '../config/layout.js';
import type { PurserConfig } from '../config/types.js';
import type { SeatRegistry } from '../cabin/registry.js';
import type { PollResponder } from '../cabin/poll-responder.js';
import type { CabinStore } from '../store/cabin-store.js';
import type { Db } from '../store/database.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../core/log.js';
import type { Health } from '../core/service.js';
import type { Subject } from 'rxjs';

/** A live-only frame for SSE clients (`event: <event>`), e.g. command delivery progress. */
export interface LiveFrame {
  event: string;
  data: unknown;
}

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
  /** Frames for live views that are not cabin events (not stored). */
  live: Subject<LiveFrame>;
  /** Resolves once the controller begins to stop; long-lived responses (SSE) end then. */
  stopping: AbortSignal;
}
