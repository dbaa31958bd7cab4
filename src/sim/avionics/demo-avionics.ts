import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PurserConfig } from '../../contract/config.js';
import { AIRPORTS } from './flight-model.js';
import { hasSocat, PtyPair } from './pty-pair.js';
import { SimulatedFlight } from './simulated-flight.js';

export interface DemoAvionics {
  /** Starts the simulated flight on the far ends (after the controller started). */
  fly(): void;
  stop(): Promise<void>;
  readonly message: string;
}

/**
 * For `npm start`: when the config has no avionics of its own and socat is
 * installed, two pty pairs (avionics adapter, overhead monitor), the config
 * pointed at one end of each, and a simulated PTY-BOG flight at 10x on the
 * other. Without socat the avionics stay off, and the message says why.
 */
export async function demoAvionics(config: PurserConfig): Promise<DemoAvionics | { message: string }> {
  if (config.avionics.enabled) return { message: 'avionics: as configured' };
  if (!hasSocat()) return { message: 'avionics: off (socat is not installed: the demo needs it for its simulated ARINC 429 and monitor lines)' };
  const dir = await mkdtemp(join(tmpdir(), 'purser-demo-pty-'));
  const adc = new PtyPair(join(dir, 'avionics'), join(dir, 'avionics-adapter'));
  const mon = new PtyPair(join(dir, 'monitor'), join(dir, 'monitor-device'));
  await adc.start();
  await mon.start();
  config.avionics = {
    ...config.avionics,
    enabled: true,
    ports: [{ id: 'adc', path: adc.a, baudRate: 115200, framing: 'binary-sync', silenceMs: 5000 }],
    destination: { name: 'BOG', latitudeDeg: AIRPORTS.BOG!.latitudeDeg, longitudeDeg: AIRPORTS.BOG!.longitudeDeg },
  };
  if (config.monitors.length === 0) config.monitors = [{ id: 'fwd', path: mon.a, baudRate: 9600, monitorId: 1, pollIntervalMs: 10_000, replyTimeoutMs: 1000 }];
  const flight = new SimulatedFlight({ avionicsPath: adc.b, speed: 10, monitor: { path: mon.b, monitorId: 1 } });
  return {
    message: `avionics: simulated flight CM123 PTY-BOG at 10x on ${adc.a} (overhead monitor on ${mon.a})`,
    fly: () => flight.start(),
    async stop() {
      await flight.stop();
      await adc.stop();
      await mon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
