import { Type, type Static } from '@sinclair/typebox';
import { AbsolutePath, Ipv4, Port, Section } from './formats.js';

/**
 * The spine's config keys (TypeBox: the JSON Schema and the TypeScript type
 * from one source). Each feature adds its own section from its own folder
 * (`Feature.config`, src/contract/config.ts). Defaults live here so a
 * partial file is enough; `stateDir` has none in a file.
 */
const layout = Type.Object(
  {
    rows: Type.Integer({ minimum: 1, maximum: 999 }),
    letters: Type.String({ minLength: 1, maxLength: 32 }),
    zones: Type.Record(
      Type.String(),
      Type.Union([
        Type.String(),
        Type.Object({ rows: Type.String(), letters: Type.Optional(Type.String()), name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) }, { additionalProperties: false }),
      ]),
      { minProperties: 1 },
    ),
    skipRows: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
);

export const coreProperties = {
  stateDir: Type.String({ minLength: 1, description: 'where the database, keys and secrets live' }),
  http: Section({
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Port({ default: 8080 }),
    /**
     * HTTPS for people (panel, API) on its own port; seats keep polling plain
     * HTTP on `port` (their polls are signed). Absent `enabled`: on whenever
     * `host` is not a loopback address (docs/security.md, docs/operations.md).
     */
    tls: Section({
      enabled: Type.Optional(Type.Boolean()),
      port: Port({ default: 8443 }),
      certFile: Type.Optional(AbsolutePath()),
      keyFile: Type.Optional(AbsolutePath()),
    }),
    /** Who may read cabin state (GET /api/v1/..., the live stream): 'session' needs a panel session or the token. Absent: 'session' unless `host` is loopback. */
    readAccess: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('open')])),
    /** Open connections one peer address may hold; past it a new one is refused (seats use one keep-alive connection each). */
    maxConnectionsPerAddress: Type.Integer({ minimum: 1, maximum: 65535, default: 64 }),
    /** Peers the cap does not apply to; `loopback` is all of 127.0.0.0/8 and ::1, this machine (the simulator, the CLI, benchmarks), the default. */
    connectionCapExempt: Type.Array(Type.String({ format: 'hostname' }), { default: ['loopback'], maxItems: 256 }),
    /** A client must finish sending its request headers within this (slowloris); Node's own default is 60 s. */
    headersTimeoutMs: Type.Integer({ minimum: 1000, maximum: 60_000, default: 10_000 }),
    /** ...and its whole request, body included. */
    requestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  }),
  cabin: Section({
    secret: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32,128}$', description: '32 to 128 hexadecimal digits' })),
    pollIntervalMs: Type.Integer({ minimum: 200, maximum: 60000, default: 1000 }),
    layout: Type.Optional(layout),
    /** A unit claiming a seat whose own unit was heard this recently is held for a technician (docs/protocol.md, moves). */
    moveHoldMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 120_000 }),
    /** How long a technician's decision on a move holds, and an unrepeated claim is kept. */
    moveDecisionTtlMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000 }),
    /** Superseded bootIds remembered per unit: a replayed poll of one is refused. */
    maxPastBoots: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  }),
  multicast: Section({
    interface: Ipv4('127.0.0.1'),
    ttl: Type.Integer({ minimum: 0, maximum: 255, default: 1 }),
  }),
  api: Section({
    /** Bearer token for mutating API calls (CLI, automation). */
    token: Type.Optional(Type.String({ minLength: 16 })),
  }),
};

const coreSchema = Type.Object(coreProperties);
export type CoreConfig = Static<typeof coreSchema>;
