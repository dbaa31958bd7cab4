import { FIRMWARE_MIGRATIONS } from '../../firmware/catalog.js';
import type { Feature } from '../app/controller.js';
import type { CommandService } from '../commands/command-service.js';
import type { Migration } from '../store/migrations.js';
import { FirmwareService } from './firmware-service.js';
import { RolloutService } from './rollout/service.js';
import { rolloutRoutes } from './rollout/routes.js';
import { ROLLOUT_TABLE_SQL } from './rollout/table.js';
import { firmwareRoutes } from './routes.js';
import { TftpService } from './tftp-service.js';

/**
 * Versions 400-449 follow the catalog library's own list (append-only there),
 * 450 on are the rollouts. 300 is the alert book's.
 */
export const FIRMWARE_FEATURE_MIGRATIONS: Migration[] = [
  ...FIRMWARE_MIGRATIONS.map((sql, i) => ({ version: 400 + i, name: `firmware catalog ${i + 1}`, sql })),
  { version: 450, name: 'firmware rollouts', sql: ROLLOUT_TABLE_SQL },
];

/** The firmware catalog, the TFTP server seats fetch from, and staged rollouts, with their API. */
export function firmwareFeature(commands: () => CommandService): Feature {
  let firmware: FirmwareService | undefined;
  let tftp: TftpService | undefined;
  let rollouts: RolloutService | undefined;
  return {
    name: 'firmware',
    migrations: FIRMWARE_FEATURE_MIGRATIONS,
    routes: [firmwareRoutes(() => firmware, () => tftp?.base), rolloutRoutes(() => rollouts)],
    services(ctx) {
      const f = (firmware = new FirmwareService(ctx));
      const t = (tftp = ctx.config.tftp.enabled ? new TftpService(ctx, f) : undefined);
      rollouts = new RolloutService(ctx, {
        commands,
        catalog: () => f.catalog,
        imageUrl: (model, version) => t?.imageUrl(model, version),
      });
      return [f, ...(t ? [t] : []), rollouts];
    },
  };
}
