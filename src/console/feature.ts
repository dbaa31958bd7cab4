import { join } from 'node:path';
import type { Principal } from '../auth/principal.js';
import type { Feature } from '../contract/feature.js';
import type { Service } from '../core/service.js';
import { auditToBus } from './audit-sink.js';
import { cabinCommands, SEATS_CHANGE_MS, SEATS_MAX_AGE_MS } from './cabin-commands.js';
import { checkTunnel, consoleSection, tunnelSection } from './config.js';
import { ConsoleService } from './console-service.js';
import { containErrors } from './contained-errors.js';
import { onForeignRejection } from './evaluator.js';
import { CONSOLE_EVENTS } from './events.js';
import { tunnelRoutes } from './routes.js';
import { seatsRenderMetrics } from './render-metrics.js';
import { consoleScope } from './scope.js';
import { SharedRender } from './shared-render.js';
import { ManualGroundFlag, TunnelService, tunnelGate } from './tunnel-service.js';
import type { ConsoleUser } from './types.js';

export const DEFAULT_KEY_FILE = 'console_authorized_keys';

/** A console user as the rest of the controller knows them: `ssh:<key name>`, with the key's role. */
export function consolePrincipal(user: Pick<ConsoleUser, 'name' | 'role'>): Principal {
  return { role: user.role, name: `ssh:${user.name}`, via: 'ssh' };
}

/**
 * The SSH debug console into the live controller, and the reverse tunnel
 * remote support reaches it through (docs/console.md): the `console:ssh`
 * and `tunnel:ground` entities, console.session / console.command events,
 * and GET/POST /api/v1/tunnel.
 */
export function consoleFeature(): Feature {
  return {
    name: 'console',
    config: { console: { schema: consoleSection }, tunnel: { schema: tunnelSection, check: checkTunnel } },
    events: CONSOLE_EVENTS,
    setup(ctx) {
      const { config } = ctx;
      const log = ctx.log.child({ service: 'console' });
      // An open REPL installs an unhandledRejection hook; a rejection that is not the console's is logged, never a crash.
      onForeignRejection((reason) => ctx.log.error({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection (outside the console)'));
      // A subscriber's or a console callback's throw is logged and counted, not a crash (contained-errors.ts).
      containErrors(ctx.metrics.registry, log);
      const audit = auditToBus(ctx.bus, log);
      const flag = new ManualGroundFlag();
      const gate = tunnelGate(() => ctx.find('groundGate'), flag);
      const services: Service[] = [];
      let consoleService: ConsoleService | undefined;
      if (config.console.enabled) {
        const c = config.console;
        const commands = ctx.need('commands');
        // One `seats` table per view for every session asking within the staleness bound (docs/console.md).
        const seatsRender = new SharedRender({ maxAgeMs: SEATS_MAX_AGE_MS, minAgeMs: SEATS_CHANGE_MS });
        seatsRenderMetrics(ctx.metrics.registry, seatsRender);
        consoleService = new ConsoleService({
          host: c.host,
          port: c.port,
          stateDir: config.stateDir,
          authorizedKeysFile: c.authorizedKeysFile ?? join(config.stateDir, DEFAULT_KEY_FILE),
          demoKey: c.demoKey,
          maxSessions: c.maxSessions,
          idleTimeoutMs: c.idleTimeoutMs,
          evalTimeoutMs: c.evalTimeoutMs,
          // The role is the key file's, checked against src/auth's roles: anything else refuses the login.
          resolveRole: ({ fileRole }) => (fileRole === 'readonly' || fileRole === 'technician' ? fileRole : null),
          scope: consoleScope(ctx),
          commands: cabinCommands({
            layout: ctx.layout,
            registry: ctx.registry,
            store: ctx.store,
            bus: ctx.bus,
            entities: ctx.entities,
            health: () => ctx.health(),
            commands,
            principal: consolePrincipal,
          }, { seatsRender }),
          audit,
          log,
          entities: ctx.entities,
        });
        services.push(consoleService);
      }
      let tunnelService: TunnelService | undefined;
      if (config.tunnel.enabled) {
        tunnelService = new TunnelService({
          config: config.tunnel,
          stateDir: config.stateDir,
          localHost: config.console.host,
          localPort: () => consoleService?.server?.port ?? config.console.port,
          gate,
          groundGate: () => ctx.find('groundGate'),
          entities: ctx.entities,
          log: ctx.log.child({ service: 'tunnel' }),
          audit,
        });
        services.push(tunnelService);
      }
      return { services, routes: [tunnelRoutes(flag, () => tunnelService, gate)] };
    },
  };
}
