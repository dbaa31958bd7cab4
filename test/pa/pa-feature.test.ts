import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { commandKeyFromBase64 } from '../../protocols/seat-command/keys.js';
import { MulticastCommandReceiver } from '../../protocols/seat-command/multicast-receiver.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { paFeature } from '../../src/pa/feature.js';
import { playPa } from '../../src/sim/pa-player.js';
import { postCommand, randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';

const quiet = { warn: () => undefined, info: () => undefined };

async function start() {
  const cmdPort = randomPort();
  const paPort = randomPort();
  const commands = commandsFeature();
  const tc = await startTestController(
    {
      api: { token: TEST_TOKEN },
      commands: { port: cmdPort },
      pa: { hangoverMs: 400, sources: [{ name: 'flightdeck', group: '239.255.20.2', port: paPort }, { name: 'cabin', group: '239.255.20.1', port: paPort }] },
    },
    [commands, paFeature()],
  );
  const identity = (await (await fetch(`${tc.url}/seat/v1/identity`)).json()) as { commandKey: string };
  const rx = new MulticastCommandReceiver({ group: '239.255.10.1', port: cmdPort, interface: '127.0.0.1', publicKey: commandKeyFromBase64(identity.commandKey), log: quiet });
  await rx.start();
  return { tc, rx, paPort, stop: async () => (await rx.stop(), await tc.stop()) };
}

describe('PA override from RTP audio', () => {
  it('a voice on the cabin PA begins the override at every seat, and silence after it ends it', async () => {
    const { tc, rx, paPort, stop } = await start();
    try {
      const begin = firstValueFrom(rx.commands$.pipe(filter((c) => c.cmd === 'pa.begin'), timeout(5000)));
      const voice = playPa({ group: '239.255.20.1', port: paPort, durationMs: 600 });
      const cmd = await begin;
      assert.deepEqual(cmd.target, { all: true });
      assert.deepEqual(cmd.args, { source: 'cabin', group: '239.255.20.1:' + paPort });
      const during = await postPoll(tc.url, pollBody('12A'));
      assert.deepEqual(during.body.desired.paOverride, { source: 'cabin', group: '239.255.20.1:' + paPort });
      const api = (await (await fetch(`${tc.url}/api/v1/pa`)).json()) as { inUse: boolean; active: { source: string } };
      assert.equal(api.inUse, true);
      assert.equal(api.active.source, 'cabin');

      const end = firstValueFrom(rx.commands$.pipe(filter((c) => c.cmd === 'pa.end'), timeout(5000)));
      await voice.done;
      assert.deepEqual((await end).args, { source: 'cabin' });
      const after = await postPoll(tc.url, pollBody('12A', { seq: 2 }));
      assert.equal(after.body.desired.paOverride, null);
    } finally {
      await stop();
    }
  });

  it('a PA the crew began by hand is not ended by the audio stopping', async () => {
    const { tc, rx, paPort, stop } = await start();
    try {
      const manual = await postCommand(tc.url, { target: { all: true }, cmd: 'pa.begin', args: { source: 'cabin', group: '239.255.20.1:5004' } });
      assert.equal(manual.status, 201);
      const ends: number[] = [];
      rx.commands$.pipe(filter((c) => c.cmd === 'pa.end')).subscribe((c) => ends.push(c.seq));
      await playPa({ group: '239.255.20.1', port: paPort, durationMs: 300 }).done;
      await new Promise((r) => setTimeout(r, 900));
      assert.deepEqual(ends, [], 'the detector sent no pa.end');
      const poll = await postPoll(tc.url, pollBody('3B'));
      assert.equal(poll.body.desired.paOverride?.source, 'cabin');
      const events = tc.controller.ctx;
      events.store.flush([]);
      assert.ok(events.store.recentEvents({ limit: 20 }).some((e) => e.type === 'pa.stopped'), 'the PA audio ending is still recorded');
    } finally {
      await stop();
    }
  });
});
