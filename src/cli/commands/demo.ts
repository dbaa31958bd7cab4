import { join } from 'node:path';
import { Controller } from '../../app/controller.js';
import { defaultFeatures } from '../../app/features.js';
import { createLogger } from '../../core/log.js';
import { demoPanelPins } from '../../auth/demo-pins.js';
import { CabinLife, DEFAULT_CABIN_LIFE, type CabinLifeOptions } from '../../sim/cabin-life.js';
import { SimFirmware } from '../../sim/firmware/sim-firmware.js';
import { Simulator } from '../../sim/simulator.js';
import { demoAvionics } from '../../sim/avionics/demo-avionics.js';
import type { CliCommand } from '../command.js';
import { intOption, parseOptions } from '../options.js';
import { loadConfigOrExit, stopOnSignals } from './run.js';

/** A shell word as typed: quoted only if it must be. */
export function quoteArg(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The living cabin's rhythm from the flags: each one scales its own part of DEFAULT_CABIN_LIFE. */
function cabinLifeOptions(values: { 'calls-every'?: string | undefined; 'faults-every'?: string | undefined; 'offline-every'?: string | undefined }): CabinLifeOptions {
  const callsEvery = intOption(values['calls-every'], 'calls-every', 1, 86_400);
  const faultsEvery = intOption(values['faults-every'], 'faults-every', 1, 86_400);
  const offlineEvery = intOption(values['offline-every'], 'offline-every', 1, 86_400);
  return {
    ...DEFAULT_CABIN_LIFE,
    ...(callsEvery ? { callEveryMs: callsEvery * 1000 } : {}),
    ...(faultsEvery ? { faultCycleMs: faultsEvery * 1000 } : {}),
    // Away long enough to be seen offline (3 missed 1 s polls), never longer than the default.
    ...(offlineEvery ? { offlineEveryMs: offlineEvery * 1000, offlineForMs: Math.min(40_000, Math.max(5000, offlineEvery * 500)) } : {}),
  };
}

export const command: CliCommand = {
  name: 'demo',
  summary: 'run the controller with a simulated cabin (what `npm start` does)',
  help: `Usage: purser demo [--config FILE] [--seats N] [--port P] [--quiet-cabin | --calls-every S]

Runs the controller and, in the same process, simulated seat players that
speak the real seat protocol over real HTTP to it: a whole cabin on loopback.
The cabin lives: passengers press the call button now and then, a seat has a
fault that comes and goes, a seat drops off the network and comes back.

  --config FILE      as for \`purser run\` (default: built-in 300-seat layout)
  --seats N          simulated seats (default: every seat of the layout)
  --port P           HTTP port (default 8080; 0 picks a free one)
  --state-dir DIR    where this demo keeps its database, keys and API token
  --calls-every S    mean seconds between passenger calls (default ${DEFAULT_CABIN_LIFE.callEveryMs / 1000})
  --faults-every S   a fault stays S seconds on a seat, then off as long (default ${DEFAULT_CABIN_LIFE.faultCycleMs / 1000})
  --offline-every S  a seat drops off the network every S seconds, for S/2 (5 to 40 s) (default ${DEFAULT_CABIN_LIFE.offlineEveryMs / 1000})
  --quiet-cabin      no calls, faults or offline seats: an all-quiet cabin

State (database, keys, token) goes to $PURSER_STATE_DIR or ~/.local/state/purser.`,
  async run(args) {
    const { values } = parseOptions(args, {
      config: { type: 'string', short: 'c' },
      seats: { type: 'string' },
      port: { type: 'string' },
      'state-dir': { type: 'string' },
      'calls-every': { type: 'string' },
      'faults-every': { type: 'string' },
      'offline-every': { type: 'string' },
      'quiet-cabin': { type: 'boolean' },
    });
    const life = cabinLifeOptions(values);
    if (values['state-dir']) process.env.PURSER_STATE_DIR = values['state-dir'];
    const { config, layout } = await loadConfigOrExit(values.config);
    if (values['state-dir']) config.stateDir = values['state-dir'];
    // The panel needs PINs: without configured ones the demo makes fresh random ones and prints them.
    const demoPins = config.panel.crewPinHash || config.panel.technicianPinHash ? undefined : await demoPanelPins();
    if (demoPins) config.panel = { ...config.panel, ...demoPins.panel };
    const port = intOption(values.port, 'port', 0, 65535);
    if (port !== undefined) config.http.port = port;
    const seats = intOption(values.seats, 'seats', 1, layout.seats.length) ?? layout.seats.length;
    const avionics = await demoAvionics(config);
    const log = createLogger(process.env.PURSER_LOG_LEVEL ?? 'warn');
    const controller = new Controller(config, layout, log, defaultFeatures());
    let sim: Simulator | undefined;
    let firmware: SimFirmware | undefined;
    let cabinLife: CabinLife | undefined;
    stopOnSignals(async () => {
      cabinLife?.stop();
      firmware?.stop();
      await sim?.stop();
      await controller.stop();
      if ('stop' in avionics) await avionics.stop();
    });
    try {
      await controller.start();
      await controller.whenStarted(); // the demo prints the console and TFTP hints: wait for every service
    } catch (e) {
      console.error(`purser demo: start failed: ${(e as Error).message}`);
      process.exit(1);
    }
    sim = new Simulator({
      controller: controller.seatUrl,
      secret: controller.ctx.cabinSecret,
      seats,
      commands: { group: config.commands.group, port: config.commands.port, interface: config.multicast.interface },
    });
    firmware = new SimFirmware(sim, { controller: controller.seatUrl });
    if ('fly' in avionics) avionics.fly();
    sim.start();
    await sim.joined().catch((err: Error) => console.error(`purser demo: simulated seats hear commands by polls only: ${err.message}`));
    if (!values['quiet-cabin']) {
      cabinLife = new CabinLife(sim, life);
      cabinLife.start();
    }
    const url = controller.url;
    // The hints name this demo's own controller and state dir, so they work as printed whatever port it got.
    const to = `--controller ${url} --state-dir ${quoteArg(config.stateDir)}`;
    console.log(`purser: listening on ${url} (${layout.seats.length} seats, ${seats} simulated)

  Control panel   ${url}/${demoPins ? `   (crew PIN ${demoPins.pins.crew}, technician PIN ${demoPins.pins.technician})` : ''}
  Seats (JSON)    ${url}/api/v1/seats
  Live events     ${url}/api/v1/events
  Health          ${url}/api/v1/health
  Metrics         ${url}/metrics
  API token       ${join(config.stateDir, 'api.token')}
  Flight (seats)  ${url}/seat/v1/flight
  ${avionics.message}

${values['quiet-cabin'] ? 'A quiet cabin: no calls, faults or offline seats (--quiet-cabin).' : 'A living cabin: passengers call now and then, a seat has a fault, one goes offline and back (--quiet-cabin for none).'}

Try, in another terminal:
  npx purser seats --controller ${url} --zone J
  npx purser command seat.lock --zone J --reason turbulence ${to}
Stop with Ctrl-C.`);
    await new Promise(() => undefined);
    return 0;
  },
};
