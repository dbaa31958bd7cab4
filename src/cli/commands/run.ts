import { Controller } from '../../app/controller.js';
import { defaultFeatures } from '../../app/features.js';
import { ConfigError, defaultStateDir, loadConfigFile, validateConfig } from '../../app/config.js';
import { createLogger } from '../../core/log.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';

const STOP_TIMEOUT_MS = 5000;

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

On start it prints "purser: listening on URL". A bad config exits with code 78
and names the key and the reason.`,
  async run(args) {
    const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } });
    const { config, layout } = await loadConfigOrExit(values.config);
    const log = createLogger();
    const controller = new Controller(config, layout, log, defaultFeatures());
    stopOnSignals(() => controller.stop());
    try {
      await controller.start();
    } catch (e) {
      // start() has stopped whatever had started: exit, so a supervisor sees the failure and restarts us.
      console.error(`purser: start failed: ${(e as Error).message}`);
      process.exit(1);
    }
    console.log(`purser: listening on ${controller.url} (${layout.seats.length} seats, state in ${config.stateDir})`);
    await new Promise(() => undefined);
    return 0;
  },
};
