import { join } from 'node:path';
import type { Feature } from '../app/controller.js';
import type { CommandKeys } from './command-key.js';
import { loadCommandKeys } from './command-key.js';
import { CommandService } from './command-service.js';
import { COMMAND_MIGRATIONS } from './migrations.js';
import { commandRoutes } from './routes.js';
import { CommandSenderService } from './sender-service.js';
import { Supervised } from '../core/supervisor.js';

export const COMMAND_KEY_FILE = 'command-key.pem';

/** Seat commands: the log, the book answering polls, delivery tracking, multicast, and the API. */
export function commandsFeature(): Feature & { service(): CommandService } {
  let service: CommandService | undefined;
  let keys: CommandKeys | undefined;
  const get = () => {
    if (!service) throw new Error('commands not started');
    return service;
  };
  return {
    name: 'commands',
    essential: true,
    migrations: COMMAND_MIGRATIONS,
    routes: [commandRoutes(get, () => keys!)],
    service: get,
    async services(ctx) {
      keys = await loadCommandKeys(join(ctx.config.stateDir, COMMAND_KEY_FILE));
      const sender = new CommandSenderService(ctx.config, ctx.log);
      service = new CommandService(ctx, keys, sender);
      const svc = service;
      svc.progress$.subscribe((s) => ctx.live.next({ event: 'delivery', data: s }));
      // The multicast fast path is supervised: if it cannot start, polls still deliver.
      return [new Supervised(sender, ctx.log), svc];
    },
  };
}
