import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { defaultStateDir } from '../../config/load.js';
import { ACTIONS, ActionSyntaxError, parseAction } from '../../sim/action-text.js';
import { DEFAULT_SEATS, MAX_SEATS } from '../../sim/layout.js';
import { readSecretFile, secretFromHex } from '../../sim/secret.js';
import { DEFAULT_COMMAND_GROUP } from '../../sim/command-listener.js';
import { playPa } from '../../sim/pa-player.js';
import { PaSpecError, parsePaSpec, type PaSpec } from '../../sim/pa-spec.js';
import { SimFirmware } from '../../sim/firmware/sim-firmware.js';
import { Simulator } from '../../sim/simulator.js';
import { SimulatedFlight } from '../../sim/avionics/simulated-flight.js';
import type { StatsSnapshot } from '../../sim/stats.js';
import type { TsStatsSnapshot } from '../../sim/ts-receiver.js';
import { UsageError, type CliCommand } from '../command.js';
import { controllerUrl, intOption, parseOptions } from '../options.js';

const actionLines = Object.entries(ACTIONS).map(([name, a]) => `  --${`${name} ${a.usage}`.padEnd(36)}${a.help}`);

const HELP = `Usage: purser sim [--controller URL] [--secret HEX | --secret-file PATH] [options] [behaviours]

Simulates seat players polling a cabin controller (seat protocol v1): each seat
POSTs its full state, signed with its LRU key, every pollIntervalMs the
controller asks for, and applies the answer. Prints a status line every few
seconds; runs until SIGINT or SIGTERM.

Options:
  --controller URL                    the controller (default $PURSER_URL, else http://127.0.0.1:8080)
  --seats N                           simulate the first N seats: 1A..50F, then 51A... (default ${DEFAULT_SEATS}, at most ${MAX_SEATS})
  --secret HEX                        the cabin secret
  --secret-file PATH                  read it from a file (default: cabin.secret in $PURSER_STATE_DIR
                                      or ~/.local/state/purser, where \`purser run\` creates it)
  --command-group ADDR:PORT           the command multicast group (default ${DEFAULT_COMMAND_GROUP.group}:${DEFAULT_COMMAND_GROUP.port}; "none": polls only)
  --multicast-interface ADDR          the interface to join it on (default ${DEFAULT_COMMAND_GROUP.interface})
  --play-pa WHERE[:S][:CODEC][:silence]
                                      play a PA as RTP into cabin, flightdeck (the default groups) or
                                      ADDR/PORT: a voice for S seconds (default 8), L16 or PCMU;
                                      "silence" sends line hiss, which must not begin a PA (repeatable)
  --status-ms MS                      status line interval (default 5000; 0: none)
  --flight PTY                        also fly a simulated flight gate to gate: ARINC 429 words (binary-sync
                                      adapter framing) written to PTY, the adapter end of the controller's
                                      avionics port (e.g. one end of a socat pty pair)
  --flight-speed N                    flight seconds per real second (default 10)
  --monitor PTY[:ID]                  answer as an NEC overhead monitor (ID 1..100, default 1) on PTY
  --stdin                             also read behaviours from stdin, one "NAME ARG" per line
                                      (e.g. "call 12A", "play-pa cabin:5")

Behaviours (repeatable; SEATS is all, 12A,14C or 10% of the seats, spread evenly):
${actionLines.join('\n')}

Example: purser sim --controller http://127.0.0.1:8080 --secret-file /var/lib/purser/cabin.secret \\
           --drop 0.05 --skew-ms 4000@10% --flap 12A --call 3C --fault DISK_SMART:error@20B
`;

const actionOptions = Object.fromEntries(Object.keys(ACTIONS).map((name) => [name, { type: 'string', multiple: true } as const]));

export const command: CliCommand = {
  name: 'sim',
  summary: 'simulate seat players polling a controller, with injectable faults',
  help: HELP,
  async run(args) {
    const { values } = parseOptions(args, {
      controller: { type: 'string' },
      seats: { type: 'string' },
      secret: { type: 'string' },
      'secret-file': { type: 'string' },
      'status-ms': { type: 'string' },
      'command-group': { type: 'string' },
      'multicast-interface': { type: 'string' },
      'play-pa': { type: 'string', multiple: true },
      stdin: { type: 'boolean' },
      flight: { type: 'string' },
      'flight-speed': { type: 'string' },
      monitor: { type: 'string' },
      ...actionOptions,
    });
    const seats = intOption(values.seats, 'seats', 1, MAX_SEATS) ?? DEFAULT_SEATS;
    const statusMs = intOption(values['status-ms'], 'status-ms', 0, 3_600_000) ?? 5000;
    const secret = await secretOf(values.secret, values['secret-file']);
    const commands = commandGroup(values['command-group'], values['multicast-interface']);
    const pas = (values['play-pa'] ?? []).map((spec) => usage(() => parsePaSpec(spec)));
    const paInterface = values['multicast-interface'] ?? DEFAULT_COMMAND_GROUP.interface;
    const controller = controllerUrl(values.controller);
    const sim = usage(() => new Simulator({ controller, secret, seats, commands }));
    const firmware = new SimFirmware(sim, { controller });
    for (const name of Object.keys(ACTIONS)) {
      for (const arg of (values as Record<string, string[] | undefined>)[name] ?? []) usage(() => act(sim, firmware, name, arg));
    }

    const flight = simulatedFlight(values.flight, values['flight-speed'], values.monitor);
    flight?.start();
    sim.start();
    sim.joined().catch((err: Error) => process.stderr.write(`purser sim: cannot join the command group, seats hear commands by polls only: ${err.message}\n`));
    const status = statusMs > 0 ? setInterval(() => printStatus(sim), statusMs) : undefined;
    const pa = (spec: PaSpec) => startPa(spec, paInterface);
    for (const spec of pas) pa(spec);
    const stdin = values.stdin ? readStdinActions(sim, firmware, pa) : undefined;
    await untilSignal();
    clearInterval(status);
    stdin?.close();
    firmware.stop();
    await flight?.stop();
    await sim.stop();
    printStatus(sim);
    return 0;
  },
};

/** `--command-group ADDR:PORT` (or none) and the interface to join it on. */
export function commandGroup(spec: string | undefined, iface: string | undefined) {
  if (spec === 'none') return undefined;
  const m = spec === undefined ? undefined : /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(spec);
  if (spec !== undefined && (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)) {
    throw new UsageError(`--command-group takes ADDR:PORT such as 239.255.10.1:5700, or none; not ${JSON.stringify(spec)}`);
  }
  return {
    group: m?.[1] ?? DEFAULT_COMMAND_GROUP.group,
    port: m ? Number(m[2]) : DEFAULT_COMMAND_GROUP.port,
    interface: iface ?? DEFAULT_COMMAND_GROUP.interface,
  };
}

/** `--flight PTY [--flight-speed N] [--monitor PTY[:ID]]` (docs/avionics.md, "Simulator"). */
function simulatedFlight(path: string | undefined, speed: string | undefined, monitor: string | undefined): SimulatedFlight | undefined {
  if (path === undefined) {
    if (speed !== undefined || monitor !== undefined) throw new UsageError('--flight-speed and --monitor go with --flight PTY');
    return undefined;
  }
  const m = monitor === undefined ? undefined : /^(\/[^:]+)(?::(\d{1,3}))?$/.exec(monitor);
  if (monitor !== undefined && (!m || Number(m[2] ?? 1) < 1 || Number(m[2] ?? 1) > 100)) throw new UsageError(`--monitor takes an absolute PTY path and an optional :ID 1..100, not ${JSON.stringify(monitor)}`);
  if (!path.startsWith('/')) throw new UsageError(`--flight takes the absolute path of a pty, not ${JSON.stringify(path)}`);
  return new SimulatedFlight({
    avionicsPath: path,
    speed: intOption(speed, 'flight-speed', 1, 1000) ?? 10,
    ...(m ? { monitor: { path: m[1]!, monitorId: Number(m[2] ?? 1) } } : {}),
  });
}

/** Runs `fn`, turning a bad value into a UsageError. */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ActionSyntaxError || err instanceof RangeError || err instanceof PaSpecError) throw new UsageError(err.message);
    throw err;
  }
}

function act(sim: Simulator, firmware: SimFirmware, name: string, arg: string): void {
  const { target, action } = parseAction(name, arg);
  if (action.do !== 'firmware-fault') sim.act(target, action);
  else if (action.fault === null) firmware.clear(target);
  else firmware.inject(target, action.fault, action.attempts);
}

async function secretOf(hex: string | undefined, file: string | undefined): Promise<Buffer> {
  if (hex !== undefined && file !== undefined) throw new UsageError('give --secret or --secret-file, not both');
  if (hex !== undefined) return usage(() => secretFromHex(hex));
  const path = file ?? join(defaultStateDir(), 'cabin.secret');
  try {
    return await readSecretFile(path);
  } catch (err) {
    throw new UsageError(`cannot read the cabin secret: ${(err as Error).message}`);
  }
}

/** Plays a PA into its group on the given interface (keep loopback off an aircraft) and says so. */
function startPa(spec: PaSpec, interfaceAddress: string): void {
  const where = `${spec.group}:${spec.port}`;
  process.stdout.write(`PA: playing ${spec.signal === 'voice' ? 'a voice' : 'line hiss'} into ${where} for ${spec.durationMs / 1000} s (${spec.codec})\n`);
  playPa({ ...spec, interfaceAddress }).done.then(
    ({ packets }) => process.stdout.write(`PA: ${where} done, ${packets} RTP packets\n`),
    (err: Error) => process.stderr.write(`purser sim: PA into ${where} failed: ${err.message}\n`),
  );
}

/** Lines like "call 12A", "drop 0.2@10%" or "play-pa cabin:5": a bad one is reported, never fatal. */
function readStdinActions(sim: Simulator, firmware: SimFirmware, pa: (spec: PaSpec) => void) {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const [name, arg = '', ...extra] = line.trim().split(/\s+/);
    if (!name) return;
    try {
      if (extra.length > 0) throw new ActionSyntaxError('one NAME ARG per line');
      if (name === 'play-pa') pa(parsePaSpec(arg));
      else act(sim, firmware, name, arg);
      process.stdout.write(`ok: ${line.trim()}\n`);
    } catch (err) {
      process.stderr.write(`purser sim: ${(err as Error).message}\n`);
    }
  });
  return lines;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

function printStatus(sim: Simulator): void {
  process.stdout.write(`${formatStatus(sim.players.length, sim.stats())}\n`);
  sim.resetStats();
}

/** One line: seats, rates over the window, errors by kind, latency. */
export function formatStatus(seats: number, s: StatsSnapshot & { ts?: TsStatsSnapshot }): string {
  const perSec = (n: number) => (s.elapsedMs > 0 ? (n * 1000) / s.elapsedMs : 0).toFixed(1);
  const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);
  const kinds = Object.entries(s.errors).map(([k, n]) => `${k}×${n}`).join(' ');
  return [
    `${seats} seats`,
    `${perSec(s.sent + s.dropped)} polls/s`,
    `ok ${perSec(s.ok)}/s`,
    `dropped ${s.dropped}`,
    `errors ${s.failed}${kinds ? ` (${kinds})` : ''}`,
    `p50 ${ms(s.latencyMs.p50)}`,
    `p99 ${ms(s.latencyMs.p99)}`,
    `datagrams ${s.datagrams.heard}${s.datagrams.lost ? ` (lost ${s.datagrams.lost})` : ''}`,
    // What the seats heard of the broadcast channels (since start, not per window): real MPEG-TS, and how much was lost.
    ...(s.ts && s.ts.groups.length > 0 ? [`TS ${s.ts.packets} packets on ${s.ts.groups.length} group${s.ts.groups.length === 1 ? '' : 's'} (cc errors ${s.ts.ccErrors}, sync errors ${s.ts.syncErrors})`] : []),
  ].join('  ');
}
