import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Feature } from '../../src/app/controller.js';
import { hashPin } from '../../src/auth/pin-hash.js';
import { buildPanel } from '../../src/panel/build.js';
import { panelFeature } from '../../src/panel/feature.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';

export const CREW_PIN = '2468';
export const TECH_PIN = '97531';
/** Cheap scrypt parameters keep logins fast in tests; the format and the check are the production ones. */
const TEST_HASH = { N: 1024, r: 8, p: 1 };

export const SCREENSHOTS = new URL('../../test-output/panel/', import.meta.url).pathname;

export const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Each test file builds its own copy of the page, so parallel files never race on dist/panel. */
export async function buildTestPanel(): Promise<{ webRoot: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-panel-'));
  const webRoot = join(dir, 'panel');
  await buildPanel(webRoot, { minify: false });
  return { webRoot, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function panelPins(): Promise<{ crewPinHash: string; technicianPinHash: string }> {
  return { crewPinHash: await hashPin(CREW_PIN, TEST_HASH), technicianPinHash: await hashPin(TECH_PIN, TEST_HASH) };
}

/**
 * The lead's seat-command feature, when it exists in this checkout; tests of
 * lock and PA need it and skip, naming it, when it is missing.
 */
export async function commandsFeatureIfPresent(): Promise<Feature | undefined> {
  try {
    const mod = (await import('../../src/commands/feature.js')) as { commandsFeature?: () => Feature };
    return mod.commandsFeature?.();
  } catch {
    return undefined;
  }
}

export interface PanelRig {
  /** Replaced by restart(). */
  tc: TestController;
  sim: Simulator;
  browser: Browser;
  hasCommands: boolean;
  /** Requests a page made to anywhere but this controller: the panel must make none. */
  foreign: string[];
  /** A fresh touch page at the given size (default 1280x800, the panel's design size). */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  /** Stops the controller, waits `downMs`, starts it again on the same port and state (a power cut, in short). */
  restart(downMs?: number, whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A controller with the panel (and commands, if present), 300 simulated seats
 * polling, and Chromium. With `multicast`, the seats also listen on the
 * command group (loopback), as real seats do, and hear commands at once.
 */
export async function startRig(opts: { seats?: number; pins?: boolean; webRoot: string; multicast?: boolean }): Promise<PanelRig> {
  const panel = opts.pins === false ? {} : await panelPins();
  // A port of its own, so parallel test files' seat-command datagrams never reach each other's listeners.
  const commandPort = 20000 + Math.floor(Math.random() * 20000);
  const config: Record<string, unknown> = { panel, commands: { port: commandPort }, multicast: { interface: '127.0.0.1', ttl: 1 } };
  const features = async () => {
    const commands = await commandsFeatureIfPresent();
    return { commands, all: [...(commands ? [commands] : []), panelFeature({ webRoot: opts.webRoot })] };
  };
  const first = await features();
  let tc = await startTestController(config, first.all);
  const sim = new Simulator({
    controller: tc.url,
    secret: Buffer.from(TEST_SECRET, 'hex'),
    seats: opts.seats ?? 300,
    ...(opts.multicast ? { commands: { group: '239.255.10.1', port: commandPort, interface: '127.0.0.1' } } : {}),
  });
  sim.start();
  if (opts.multicast) await sim.joined();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const foreign: string[] = [];
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    get tc() {
      return tc;
    },
    sim,
    browser,
    hasCommands: first.commands !== undefined,
    foreign,
    async page(viewport = { width: 1280, height: 800 }) {
      const ctx = await browser.newContext({ viewport, hasTouch: true });
      const page = await ctx.newPage();
      // Counts chime tones, so a test can tell the panel made a sound.
      await page.addInitScript(() => {
        const w = window as unknown as { tones: number; AudioContext: typeof AudioContext };
        w.tones = 0;
        const Real = w.AudioContext;
        w.AudioContext = class extends Real {
          override createOscillator(): OscillatorNode {
            const osc = super.createOscillator();
            const start = osc.start.bind(osc);
            osc.start = (when?: number) => {
              w.tones++;
              start(when);
            };
            return osc;
          }
        };
      });
      page.on('request', (r) => {
        if (!r.url().startsWith(`${tc.url}/`) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      await page.goto(tc.url);
      return page;
    },
    async restart(downMs = 0, whileDown) {
      const port = Number(new URL(tc.url).port);
      const stateDir = tc.stateDir;
      await tc.stop({ keepState: true });
      await whileDown?.();
      await new Promise((r) => setTimeout(r, downMs));
      tc = await startTestController({ ...config, http: { host: '127.0.0.1', port } }, (await features()).all, stateDir);
    },
    async stop() {
      await browser.close();
      await sim.stop();
      await tc.stop();
    },
  };
}
