import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/app/config.js';
import { Controller, type Feature } from '../../src/app/controller.js';
import { createLogger } from '../../src/core/log.js';

export const TEST_SECRET = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export interface TestController {
  controller: Controller;
  url: string;
  stateDir: string;
  /** Stops the controller; removes the state dir unless keepState. */
  stop(opts?: { keepState?: boolean }): Promise<void>;
}

/** An in-process controller on 127.0.0.1 with an ephemeral port and a temp state dir. */
export async function startTestController(overrides: Record<string, unknown> = {}, features: Feature[] = [], stateDir?: string): Promise<TestController> {
  const dir = stateDir ?? (await mkdtemp(join(tmpdir(), 'purser-test-')));
  // VLC off and the SSH console on a free port unless a test asks: files run side by side.
  const raw = { stateDir: dir, http: { host: '127.0.0.1', port: 0 }, cabin: { secret: TEST_SECRET }, vlc: { enabled: false }, console: { port: 0 }, ...overrides };
  const { config, layout } = validateConfig(raw, { features });
  const controller = new Controller(config, layout, createLogger(), features);
  await controller.start();
  // Tests use every service at once: wait for the ones that start after seats are answered (TFTP, console...).
  await controller.whenStarted();
  return {
    controller,
    url: controller.url,
    stateDir: dir,
    async stop(opts) {
      await controller.stop();
      if (!opts?.keepState) await rm(dir, { recursive: true, force: true });
    },
  };
}
