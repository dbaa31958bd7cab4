import { FIRMWARE_MIGRATIONS } from '../../firmware/catalog.js';
import type { Feature } from '../contract/feature.js';
import type { Migration } from '../store/migrations.js';
import { firmwareSection, rolloutSection, tftpSection } from './config.js';
import { FirmwareService } from './firmware-service.js';
import { RolloutService } from './rollout/service.js';
import { rolloutRoutes } from './rollout/routes.js';
import { ROLLOUT_TABLE_SQL } from './rollout/table.js';
import { firmwareRoutes } from './routes.js';
import { TftpService } from './tftp-service.js';

/**
 * The catalog library's own list (append-only there), then the rollouts.
 * Before migrations were per feature these were versions 400+ and 450.
 */
export const FIRMWARE_FEATURE_MIGRATIONS: Migration[] = [
  ...FIRMWARE_MIGRATIONS.map((sql, i) => ({ version: i + 1, legacyVersion: 400 + i, name: `firmware catalog ${i + 1}`, sql })),
  { version: FIRMWARE_MIGRATIONS.length + 1, legacyVersion: 450, name: 'firmware rollouts', sql: ROLLOUT_TABLE_SQL },
];

/** The firmware catalog, the TFTP server seats fetch from, and staged rollouts, with their API. */
export function firmwareFeature(): Feature {
  return {
    name: 'firmware',
    config: { tftp: { schema: tftpSection }, firmware: { schema: firmwareSection }, rollout: { schema: rolloutSection } },
    migrations: FIRMWARE_FEATURE_MIGRATIONS,
    setup(ctx) {
      const firmware = new FirmwareService(ctx);
      const tftp = ctx.config.tftp.enabled ? new TftpService(ctx, firmware) : undefined;
      const rollouts = new RolloutService(ctx, {
        commands: ctx.need('commands'),
        firmware: firmware.running,
        imageUrl: (model, version) => tftp?.imageUrl(model, version),
      });
      return {
        services: [firmware, ...(tftp ? [tftp] : []), rollouts],
        routes: [firmwareRoutes(firmware, () => tftp?.base), rolloutRoutes(rollouts)],
      };
    },
  };
}
