import { Type, type Static } from '@sinclair/typebox';
import { AbsolutePath, Section } from '../config/formats.js';
import type { ConfigProblem } from '../contract/config.js';
import { labelFromOctal } from '../../protocols/arinc429/index.js';
import type { DiscreteConfig } from './discretes.js';
import type { PhaseConfig } from './flight-phase.js';

/** An entity-friendly id: `avionics`, `fwd-bulkhead`. */
const Id = () => Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: '1-32 of a-z 0-9 _ -, starting with a letter or digit' });
const BaudRate = (dflt: number) => Type.Integer({ minimum: 1200, maximum: 4_000_000, default: dflt });

const avionicsPort = Type.Object(
  {
    id: Id(),
    /** Usually a /dev/serial/by-id/ link; opened read-only (O_RDONLY), never written. */
    path: AbsolutePath(),
    baudRate: BaudRate(115200),
    /** How the ARINC-to-serial adapter frames words (docs/avionics.md, "Adapter framings"). */
    framing: Type.Union([Type.Literal('binary-sync'), Type.Literal('ascii-lines')], { default: 'binary-sync' }),
    /** No byte for this long: the port is degraded. ARINC labels repeat every 25-500 ms, so seconds of silence is a fault. */
    silenceMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 5000 }),
  },
  { additionalProperties: false },
);

/**
 * A Modbus RTU discrete-input module (src/avionics/io-module.ts), polled with
 * Read Discrete Inputs on a read-write port. Its inputs are the lines
 * `<id>.DI<address>`, address = start .. start + count - 1.
 */
const ioModule = Type.Object(
  {
    id: Id(),
    /** The module's RS-485/RS-232 adapter, usually a /dev/serial/by-id/ link; opened read-write. */
    port: AbsolutePath(),
    baudRate: BaudRate(9600),
    /** The module's Modbus unit (slave) address. */
    unit: Type.Integer({ minimum: 1, maximum: 247, default: 1 }),
    /** First discrete-input address read, and how many (the config allows 64 discretes in all). */
    start: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    count: Type.Integer({ minimum: 1, maximum: 64, default: 8 }),
    pollMs: Type.Integer({ minimum: 20, maximum: 60_000, default: 200 }),
    /** Modules answer within a few character times; a 9600 baud reply of 6 bytes takes about 6 ms. */
    replyTimeoutMs: Type.Integer({ minimum: 10, maximum: 10_000, default: 100 }),
    /** Consecutive polls without a good reply (no reply, a CRC error, an exception) before the module is no-reply. */
    maxMisses: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  },
  { additionalProperties: false },
);

const discrete = Type.Object(
  {
    /** The name the phase machine and the entity use: weightOnWheels, doorOpen, paKeyline, dcPowerFail, ... */
    name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]{0,31}$', description: 'a name of letters and digits such as weightOnWheels' }),
    /** Octal label of the discrete word, 270 to 276 (with `bit`), or `line` for a serial I/O module. */
    label: Type.Optional(Type.String({ pattern: '^27[0-6]$', description: 'an octal discrete label, 270 to 276' })),
    bit: Type.Optional(Type.Integer({ minimum: 11, maximum: 29 })),
    sdi: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
    line: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$', description: 'an I/O module input such as fwd-io.DI3' })),
    activeLow: Type.Boolean({ default: false }),
    debounceMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 50 }),
    staleMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 3000 }),
    flap: Type.Object(
      { maxEdges: Type.Integer({ minimum: 1, maximum: 1000 }), windowMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }) },
      { additionalProperties: false, default: { maxEdges: 6, windowMs: 10_000 } },
    ),
  },
  { additionalProperties: false },
);

const ms = (max: number) => Type.Optional(Type.Integer({ minimum: 0, maximum: max }));
const kt = () => Type.Optional(Type.Number({ minimum: 0, maximum: 1000 }));
const ft = () => Type.Optional(Type.Number({ minimum: 0, maximum: 60_000 }));
const fpm = () => Type.Optional(Type.Number({ minimum: 0, maximum: 20_000 }));

/** Every field optional: what is not given keeps DEFAULT_PHASE_CONFIG's value. */
const phase = Type.Object(
  {
    taxiStartKt: kt(),
    stoppedKt: kt(),
    gateDwellMs: ms(3_600_000),
    takeoffRollKt: kt(),
    taxiInBelowKt: kt(),
    maxGroundSpeedOnGroundKt: kt(),
    maxAltitudeOnGroundFt: ft(),
    maxRateOnGroundFpm: fpm(),
    groundConfirmMs: ms(600_000),
    takeoffEndAboveFt: ft(),
    climbRateFpm: fpm(),
    levelBandFt: ft(),
    levelDwellMs: ms(3_600_000),
    cruiseBandFt: ft(),
    approachBelowFt: ft(),
    goAroundFt: ft(),
    rateWindowMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false, default: {} },
);

const DEFAULT_DISCRETES = [
  { name: 'weightOnWheels', label: '270', bit: 11 },
  { name: 'doorOpen', label: '270', bit: 12 },
  { name: 'paKeyline', label: '270', bit: 13 },
  { name: 'dcPowerFail', label: '270', bit: 14 },
  { name: 'acPowerFail', label: '270', bit: 15 },
  { name: 'overTemperature', label: '270', bit: 16 },
];

/** `avionics:` in the config file (docs/avionics.md). Off unless configured: an unknown phase would hold every rollout. */
export const avionicsSection = Section({
  enabled: Type.Boolean({ default: false }),
  ports: Type.Array(avionicsPort, { maxItems: 8, default: [] }),
  ioModules: Type.Array(ioModule, { maxItems: 16, default: [] }),
  discretes: Type.Array(discrete, { maxItems: 64, default: DEFAULT_DISCRETES }),
  /** The discretes the phase machine and the PA read, by name. */
  weightOnWheels: Type.String({ default: 'weightOnWheels' }),
  doorOpen: Type.String({ default: 'doorOpen' }),
  paKeyline: Type.String({ default: 'paKeyline' }),
  phase,
  /** Phase, discretes and gate re-evaluated this often. */
  tickMs: Type.Integer({ minimum: 20, maximum: 5000, default: 250 }),
  clockMaxSkewMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 30_000 }),
  clockCheckEveryMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 10_000 }),
  /** Distance to go is unknown to ARINC labels we decode; a destination here gives a time to destination. */
  destination: Type.Optional(
    Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 40 }),
        latitudeDeg: Type.Number({ minimum: -90, maximum: 90 }),
        longitudeDeg: Type.Number({ minimum: -180, maximum: 180 }),
      },
      { additionalProperties: false },
    ),
  ),
});

const monitor = Type.Object(
  {
    id: Id(),
    path: AbsolutePath(),
    baudRate: BaudRate(9600),
    /** NEC monitor ID set in the monitor's menu. */
    monitorId: Type.Integer({ minimum: 1, maximum: 100 }),
    pollIntervalMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000 }),
    replyTimeoutMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
  },
  { additionalProperties: false },
);

/** `monitors:` in the config file: NEC overhead monitors on RS-232 (docs/monitors.md). */
export const monitorsSection = Type.Array(monitor, { maxItems: 64, default: [] });

export type AvionicsConfig = Static<typeof avionicsSection>;
export type MonitorsConfig = Static<typeof monitorsSection>;

declare module '../contract/config.js' {
  interface ConfigSections {
    avionics: AvionicsConfig;
    monitors: MonitorsConfig;
  }
}

/** The phase overrides as PhaseConfig (undefined fields dropped). */
export function phaseOverrides(c: AvionicsConfig): Partial<PhaseConfig> {
  return Object.fromEntries(Object.entries(c.phase).filter(([, v]) => v !== undefined)) as Partial<PhaseConfig>;
}

/** The configured discretes in the pipeline's terms; checkAvionics() has made sure each has exactly one source. */
export function discreteConfigs(c: AvionicsConfig): DiscreteConfig[] {
  return c.discretes.map((d) => ({
    name: d.name,
    source: d.line !== undefined ? { kind: 'line', line: d.line } : { kind: 'label', label: labelFromOctal(d.label!)!, bit: d.bit!, ...(d.sdi !== undefined ? { sdi: d.sdi } : {}) },
    activeLow: d.activeLow,
    debounceMs: d.debounceMs,
    staleMs: d.staleMs,
    flap: d.flap,
  }));
}

export function checkAvionics(value: unknown): ConfigProblem[] {
  const c = value as AvionicsConfig;
  const out: ConfigProblem[] = [];
  const ids = new Set<string>();
  c.ports.forEach((p, i) => {
    if (ids.has(p.id)) out.push({ keyPath: `avionics.ports.${i}.id`, reason: `port ${p.id} is configured twice` });
    ids.add(p.id);
  });
  const modules = new Map<string, AvionicsConfig['ioModules'][number]>();
  const paths = new Map<string, string>([...c.ports.map((p) => [p.path, `avionics port ${p.id}`] as const)]);
  c.ioModules.forEach((m, i) => {
    const at = `avionics.ioModules.${i}`;
    if (modules.has(m.id)) out.push({ keyPath: `${at}.id`, reason: `I/O module ${m.id} is configured twice` });
    modules.set(m.id, m);
    // One module per port for now (docs/avionics.md, "Not done"): two pollers on one line would take each other's replies.
    const had = paths.get(m.port);
    if (had) out.push({ keyPath: `${at}.port`, reason: `${m.port} is already ${had}: one I/O module per port` });
    paths.set(m.port, `I/O module ${m.id}`);
    if (m.start + m.count > 0x10000) out.push({ keyPath: `${at}.count`, reason: `start ${m.start} + count ${m.count} is beyond input address 65535` });
    if (m.replyTimeoutMs > m.pollMs) out.push({ keyPath: `${at}.replyTimeoutMs`, reason: `${m.replyTimeoutMs} ms is longer than pollMs ${m.pollMs}: a poll would wait out the next one` });
  });
  if (c.ioModules.length > 0 && !c.enabled) out.push({ keyPath: 'avionics.ioModules', reason: 'I/O modules are configured but avionics is not enabled: nothing would poll them' });
  const names = new Set<string>();
  const bits = new Map<string, string>();
  c.discretes.forEach((d, i) => {
    const at = `avionics.discretes.${i}`;
    if (names.has(d.name)) out.push({ keyPath: `${at}.name`, reason: `discrete ${d.name} is configured twice` });
    names.add(d.name);
    const byLabel = d.label !== undefined || d.bit !== undefined || d.sdi !== undefined;
    if (byLabel && d.line !== undefined) out.push({ keyPath: at, reason: 'give label and bit (a discrete word) or line (an I/O module), not both' });
    else if (!byLabel && d.line === undefined) out.push({ keyPath: at, reason: 'needs label and bit (a discrete word) or line (an I/O module)' });
    else if (!byLabel) {
      const problem = lineProblem(d.line!, modules, d.staleMs);
      if (problem) out.push({ keyPath: `${at}.line`, reason: problem });
    }
    else if (byLabel && (d.label === undefined || d.bit === undefined)) out.push({ keyPath: `${at}.${d.label === undefined ? 'label' : 'bit'}`, reason: 'is required with a discrete word source' });
    else if (byLabel) {
      const key = `${d.label}/${d.sdi ?? '*'}/${d.bit}`;
      const had = bits.get(key);
      if (had) out.push({ keyPath: `${at}.bit`, reason: `label ${d.label} bit ${d.bit} is already ${had}` });
      bits.set(key, d.name);
    }
  });
  if (c.enabled && c.ports.length === 0) out.push({ keyPath: 'avionics.ports', reason: 'avionics is enabled but no port is configured' });
  if (c.enabled && !names.has(c.weightOnWheels)) out.push({ keyPath: 'avionics.weightOnWheels', reason: `no discrete is named ${c.weightOnWheels}: the flight phase needs weight on wheels` });
  return out;
}

/** Why a discrete's `line` cannot be read: it must be `<module>.DI<address>` of a configured module, polled faster than it goes stale. */
function lineProblem(line: string, modules: ReadonlyMap<string, AvionicsConfig['ioModules'][number]>, staleMs: number): string | null {
  const m = /^(.+)\.DI(\d{1,5})$/.exec(line);
  if (!m) return `${line} is not an I/O module input: write <module id>.DI<input address>, such as fwd-io.DI3`;
  const mod = modules.get(m[1]!);
  if (!mod) return `${line} names I/O module ${m[1]}, which is not configured in avionics.ioModules${modules.size ? ` (configured: ${[...modules.keys()].join(', ')})` : ''}`;
  const n = Number(m[2]);
  if (n < mod.start || n >= mod.start + mod.count) return `${line}: module ${mod.id} reads inputs DI${mod.start} to DI${mod.start + mod.count - 1}`;
  if (staleMs <= mod.pollMs + mod.replyTimeoutMs) return `staleMs ${staleMs} is not longer than module ${mod.id}'s pollMs + replyTimeoutMs (${mod.pollMs + mod.replyTimeoutMs} ms): the input would go stale between polls`;
  return null;
}

export function checkMonitors(value: unknown): ConfigProblem[] {
  const list = value as MonitorsConfig;
  const out: ConfigProblem[] = [];
  const ids = new Set<string>();
  const lines = new Map<string, number>();
  list.forEach((m, i) => {
    if (ids.has(m.id)) out.push({ keyPath: `monitors.${i}.id`, reason: `monitor ${m.id} is configured twice` });
    ids.add(m.id);
    // One monitor per port for now (docs/monitors.md, "Not done"): two drivers would each take the other's replies.
    if (lines.has(m.path)) out.push({ keyPath: `monitors.${i}.path`, reason: `${m.path} already drives monitor ${list[lines.get(m.path)!]!.id}: one monitor per port` });
    lines.set(m.path, i);
  });
  return out;
}
