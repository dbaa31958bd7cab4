import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { filter, firstValueFrom } from 'rxjs';
import { startController } from '../../../bench/lib/controller.js';
import { startFastifyHello, startNodeHello } from '../../../bench/lib/peer-servers.js';
import { sampleProc } from '../../../bench/lib/proc.js';
import { Simulator } from '../../../src/sim/simulator.js';

/** One ok poll from a simulated seat: the server is up and speaks the seat protocol. */
async function answersAPoll(url: string, secret: Buffer): Promise<void> {
  const sim = new Simulator({ controller: url, secret, seats: 1 });
  const ok = firstValueFrom(sim.events$.pipe(filter((e) => e.type === 'poll' && e.outcome === 'ok')));
  sim.start();
  await ok.finally(() => sim.stop());
}

test('startController runs purser in its own process, answering seats, and cleans up its state', { timeout: 60_000 }, async () => {
  const secret = randomBytes(32);
  const controller = await startController({ cabin: { secret: secret.toString('hex') }, pa: { enabled: false }, tftp: { enabled: false } });
  try {
    assert.notEqual(controller.pid, process.pid);
    assert.ok(sampleProc(controller.pid).rssBytes > 0);
    await answersAPoll(controller.url, secret);
  } finally {
    await controller.stop();
  }
  assert.equal(existsSync(controller.stateDir), false);
});

for (const [name, start] of [
  ['fastify', startFastifyHello],
  ['node:http', startNodeHello],
] as const) {
  test(`the bare ${name} peer answers seat polls as a valid controller would`, { timeout: 60_000 }, async () => {
    const peer = await start();
    try {
      await answersAPoll(peer.url, randomBytes(32));
    } finally {
      await peer.stop();
    }
  });
}
