import { Type, type Static } from '@sinclair/typebox';
import { Port, Section } from '../config/formats.js';
import type { RolloutOptions } from './rollout/model.js';

/** `tftp:`: the read-only TFTP server seats fetch images from (docs/tftp.md). */
export const tftpSection = Section({
  enabled: Type.Boolean({ default: true }),
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  port: Port({ default: 6969 }),
  maxTransfers: Type.Integer({ minimum: 1, maximum: 5000, default: 512 }),
  /** After each window, poll this many microseconds for its ACK instead of sleeping (0: never); docs/tftp.md. */
  busyPollUs: Type.Integer({ minimum: 0, maximum: 10_000, default: 200 }),
  /** The address seats are told to fetch from (tftp://ADDRESS:PORT/...); default `host`, required when host is 0.0.0.0 or ::. */
  advertiseHost: Type.Optional(Type.String({ format: 'hostname' })),
});

/** `firmware:`: the catalog of signed images (docs/firmware.md). */
export const firmwareSection = Section({
  /** Sign imported images with the key in stateDir (else a signature must come with the image). */
  sign: Type.Boolean({ default: true }),
  publicKeyFile: Type.Optional(Type.String({ minLength: 1 })),
  /** The TFTP root: images under <root>/firmware, rejects under <root>/quarantine. Default <stateDir>/tftp. */
  root: Type.Optional(Type.String({ minLength: 1 })),
  /** Largest image the import API accepts. */
  maxImageBytes: Type.Integer({ minimum: 1, maximum: 17_179_869_184, default: 1_073_741_824 }),
  /** How often every image is rehashed and its signature checked (0: only at start). */
  verifyIntervalMs: Type.Integer({ minimum: 0, maximum: 604_800_000, default: 86_400_000 }),
});

/** `rollout:`: defaults for staged rollouts; each request may override them (docs/rollout.md). */
export const rolloutSection = Section({
  canary: Type.Integer({ minimum: 0, maximum: 1000, default: 3 }),
  batchSize: Type.Integer({ minimum: 1, maximum: 5000, default: 50 }),
  maxConcurrent: Type.Integer({ minimum: 1, maximum: 5000, default: 50 }),
  successThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1 }),
  errorThreshold: Section({
    percent: Type.Number({ minimum: 0, maximum: 100, default: 5 }),
    seats: Type.Integer({ minimum: 0, maximum: 5000, default: 2 }),
  }),
  seatTimeoutMs: Type.Integer({ minimum: 10_000, maximum: 86_400_000, default: 600_000 }),
  retries: Type.Integer({ minimum: 0, maximum: 10, default: 1 }),
});

/** Rollout parameters a request may leave out: every option of a rollout has a configured default. */
export type RolloutDefaults = Static<typeof rolloutSection>;

// The section and the engine's options are one shape: a change to either fails to compile here.
const _sameShape: [RolloutDefaults extends RolloutOptions ? true : never, RolloutOptions extends RolloutDefaults ? true : never] = [true, true];
void _sameShape;

declare module '../contract/config.js' {
  interface ConfigSections {
    tftp: Static<typeof tftpSection>;
    firmware: Static<typeof firmwareSection>;
    rollout: RolloutDefaults;
  }
}
