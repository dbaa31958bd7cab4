import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { PollResponder } from '../cabin/poll-responder.js';
import type { Feature } from '../contract/feature.js';
import { Supervised } from '../core/supervisor.js';
import { loadCommandKeys, type CommandKeys } from './command-key.js';
import { CommandMetrics } from './command-metrics.js';
import { CommandService } from './command-service.js';
import { commandsSection } from './config.js';
import { COMMAND_EVENTS } from './events.js';
import { COMMAND_MIGRATIONS } from './migrations.js';
import { commandRoutes } from './routes.js';
import { CommandSenderService } from './sender-service.js';

export const COMMAND_KEY_FILE = 'command-key.pem';

declare module '../contract/capabilities.js' {
  interface Capabilities {
    /** Issue a command to seats (validated, committed, sent, tracked). */
    commands: CommandService;
    /** What each poll answer carries: desired state and unacknowledged commands. */
    pollResponder: PollResponder;
    /** The controller's command signing keys. */
    commandKeys: CommandKeys;
  }
}

/** Seat commands: the log, the book answering polls, delivery tracking, multicast, and the API. `clock` is for tests (wall-clock jumps). */
export function commandsFeature(opts: { clock?: Clock } = {}): Feature {
  return {
    name: 'commands',
    essential: true,
    config: { commands: { schema: commandsSection } },
    migrations: COMMAND_MIGRATIONS,
    events: COMMAND_EVENTS,
    async setup(ctx) {
      const keys = await loadCommandKeys(join(ctx.config.stateDir, COMMAND_KEY_FILE));
      const sender = new CommandSenderService(ctx.config, ctx.log);
      const service = new CommandService(ctx, keys, sender, opts.clock);
      new CommandMetrics(ctx.metrics.registry, ctx.bus.events$);
      return {
        // The multicast fast path is supervised: if it cannot start, polls still deliver.
        services: [new Supervised(sender, ctx.log), service],
        routes: [commandRoutes(service, keys)],
        provides: { commands: service, pollResponder: service.book, commandKeys: keys },
      };
    },
  };
}
