import { Controller } from '../../app/controller.js';
import { defaultFeatures } from '../../app/features.js';
import { ConfigError, defaultStateDir, loadConfigFile, validateConfig } from '../../app/config.js';
import { createLogger } from '../../core/log.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { forgetSystemdEnv, readSystemdEnv } from '../../systemd/env.js';
import { Notifier } from '../../systemd/notify.js';
import { StatusPublisher } from '../../systemd/status.js';
import { Watchdog, type EssentialHealth } from '../../systemd/watchdog.js';
import type { Health } from '../../core/service.js';
import { StoppedWhileStarting } from '../../core/start-failure.js';

const STOP_TIMEOUT_MS = 5000;

/** Services without which the controller is useless: while one is down, the watchdog stops pinging and systemd restarts us. */
export const ESSENTIAL_SERVICES = ['http', 'commands', 'store'] as const;

/**
 * The watchdog's question. While starting nothing has failed yet (start-up is
 * TimeoutStartSec's to bound); after, a `down` essential service holds the
 * pings. `degraded` still pings: a store that cannot flush (disk full) is not
 * mended by a restart, and the STATUS= line says it.
 */
export function essentialHealth(health: Record<string, Health> | undefined): EssentialHealth {
  if (!health) return true;
  for (const name of ESSENTIAL_SERVICES) {
    const h = health[name];
    if (h?.state === 'down') return { ok: false, reason: `${name} down${h.detail ? `: ${h.detail}` : ''}` };
  }
  return true;
}

/** Loads and validates the config; a bad one is printed naming the key path. */
export async function loadConfigOrExit(file: string | undefined) {
  try {
    return file ? await loadConfigFile(file) : validateConfig({}, { stateDir: defaultStateDir() });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`purser: bad config: ${e.message}`);
      process.exit(78); // EX_CONFIG: systemd will not hammer-restart a bad config (see systemd/purser.service)
    }
    throw e;
  }
}

/** Stops the controller on SIGTERM/SIGINT within 5 s; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    const timer = setTimeout(() => {
      console.error(`purser: did not stop within ${STOP_TIMEOUT_MS} ms after ${sig}; exiting`);
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (e: Error) => {
        console.error(`purser: stop failed: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

export const command: CliCommand = {
  name: 'run',
  summary: 'run the cabin controller',
  help: `Usage: purser run [--config FILE]

Runs the cabin controller in the foreground until SIGTERM or SIGINT.

  --config FILE   YAML (or JSON) config; see docs/operations.md. Without it the
                  controller serves the default 300-seat layout on 127.0.0.1:8080
                  with state in $PURSER_STATE_DIR or ~/.local/state/purser.

On start it prints "purser: listening on URL" once seats are answered, then
"purser: every service started" once TFTP, PA, VLC, the console... are up.
A bad config exits with code 78 and names the key and the reason; a
configured port in use exits 1 naming the key.`,
  async run(args) {
    const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } });
    const { config, layout } = await loadConfigOrExit(values.config);
    const log = createLogger();
    // Read systemd's variables, then drop them so VLC and other children neither inherit nor misuse them.
    const sd = readSystemdEnv();
    forgetSystemdEnv();
    const notifier = new Notifier({ socket: sd.notifySocket, log: log.child({ service: 'systemd' }) });
    const controller = new Controller(config, layout, log, defaultFeatures(), {
      // Printed at once, so a supervisor or test can ask health while the rest starts.
      onEarlyListen: (url) => console.log(`purser: starting on ${url}`),
    });
    let started = false;
    const health = () => (started ? controller.ctx.health() : undefined);
    const watchdog = sd.watchdogMs
      ? new Watchdog({ notifier, intervalMs: sd.watchdogMs, essentialOk: () => essentialHealth(health()), log: log.child({ service: 'watchdog' }) })
      : undefined;
    watchdog?.start();
    const status = new StatusPublisher({
      notifier,
      seats: () => ({ online: controller.ctx.registry.onlineCount(), total: layout.seats.length }),
      degraded: () =>
        Object.entries(controller.ctx.health())
          .filter(([, h]) => h.state !== 'ok')
          .map(([name, h]) => ({ name, reason: h.detail ?? h.state })),
      log,
    });
    stopOnSignals(async () => {
      notifier.stopping();
      status.stop();
      watchdog?.stop();
      await controller.stop();
      await notifier.flush();
    });
    try {
      await controller.start();
    } catch (e) {
      if (e instanceof StoppedWhileStarting) return await new Promise(() => undefined); // a signal's stop: it exits
      // start() has stopped whatever had started: exit, so a supervisor sees the failure and restarts us. No READY=1.
      console.error(`purser: start failed: ${(e as Error).message}`);
      watchdog?.stop();
      process.exit(1);
    }
    started = true;
    // HTTP listens: the next seat poll is answered. Only now is systemd told we are up.
    notifier.ready();
    status.start();
    console.log(`purser: listening on ${controller.url} (${layout.seats.length} seats, state in ${config.stateDir})`);
    const tls = controller.ctx.entities.get('http:listeners')?.attributes;
    if (controller.seatUrl !== controller.url) console.log(`purser: seats poll ${controller.seatUrl}`);
    if (typeof tls?.sha256 === 'string') console.log(`purser: TLS certificate SHA-256 ${tls.sha256}`);
    // The other services (TFTP, PA, VLC, console...) finish starting meanwhile. One that cannot start for a
    // reason no retry mends (a configured port in use) fails the start: the controller has stopped, exit naming the key.
    try {
      await controller.whenStarted();
    } catch (e) {
      if (e instanceof StoppedWhileStarting) return await new Promise(() => undefined); // a signal's stop: it exits
      console.error(`purser: start failed: ${(e as Error).message}`);
      notifier.stopping();
      status.stop();
      watchdog?.stop();
      await notifier.flush();
      process.exit(1);
    }
    console.log('purser: every service started');
    await new Promise(() => undefined);
    return 0;
  },
};
