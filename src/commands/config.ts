import { Type, type Static } from '@sinclair/typebox';
import { MulticastGroup, Port, Section } from '../config/formats.js';

/** `commands:` in the config file. The multicast interface and TTL are the cabin's (`multicast:`). */
export const commandsSection = Section({
  group: MulticastGroup('239.255.10.1'),
  port: Port({ minimum: 1, default: 5700 }),
  defaultTtlMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000 }),
  /** After this, a command some seats have not acknowledged is reported incomplete. */
  deliveryTimeoutMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 15_000 }),
  /** A poll answer that brings a seat a command it has not been offered before asks it to poll again this soon, to acknowledge. */
  catchUpPollMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 250 }),
  /** Commands kept in the log (listable in the history) this long after they expire; older ones are pruned at start and daily. */
  retentionMs: Type.Integer({ minimum: 3_600_000, maximum: 31_536_000_000, default: 30 * 86_400_000 }),
});

declare module '../contract/config.js' {
  interface ConfigSections {
    commands: Static<typeof commandsSection>;
  }
}
