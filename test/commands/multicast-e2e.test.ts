import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { firstValueFrom, filter, take, toArray, timeout } from 'rxjs';
import { commandKeyFromBase64 } from '../../protocols/seat-command/keys.js';
import { MulticastCommandReceiver } from '../../protocols/seat-command/multicast-receiver.js';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { postCommand, randomPort, startCommandController, TEST_TOKEN } from '../helpers/commands.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { spawnController } from '../helpers/spawn-controller.js';

const quiet = { warn: () => undefined, info: () => undefined };

describe('seat commands end to end', () => {
  it('a seat on loopback multicast receives the command three times, verified with the identity key', async () => {
    const tc = await startCommandController();
    const identity = (await (await fetch(`${tc.url}/seat/v1/identity`)).json()) as { commandKey: string };
    const rx = new MulticastCommandReceiver({ group: '239.255.10.1', port: tc.port, interface: '127.0.0.1', publicKey: commandKeyFromBase64(identity.commandKey), log: quiet });
    await rx.start();
    try {
      const copies = firstValueFrom(rx.commands$.pipe(filter((c) => c.cmd === 'pa.begin'), take(3), toArray(), timeout(3000)));
      const r = await postCommand(tc.url, { target: { all: true }, cmd: 'pa.begin', args: { source: 'cabin', group: '239.255.20.1:5004' } });
      assert.equal(r.status, 201);
      const got = await copies;
      assert.deepEqual(got.map((c) => c.seq), [r.body.command!.seq, r.body.command!.seq, r.body.command!.seq]);
      assert.deepEqual(got[0]!.args, { source: 'cabin', group: '239.255.20.1:5004' });
      assert.equal(rx.stats.rejected.signature, 0);
    } finally {
      await rx.stop();
      await tc.stop();
    }
  });

  it('never reuses a seq after kill -9, and still serves unacknowledged commands after restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-seq-'));
    const cfg = { cabin: { secret: TEST_SECRET }, api: { token: TEST_TOKEN }, commands: { port: randomPort() } };
    try {
      const a = await spawnController(dir, cfg);
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) seqs.push((await postCommand(a.url, { target: { seats: ['7C'] }, cmd: 'seat.lock', args: { reason: `r${i}` } })).body.command!.seq);
      a.proc.kill('SIGKILL');
      await new Promise((r) => a.proc.once('exit', r));

      const b = await spawnController(dir, cfg);
      try {
        const next = (await postCommand(b.url, { target: { all: true }, cmd: 'media.pause', args: {} })).body.command!.seq;
        assert.ok(next > Math.max(...seqs), `seq ${next} after ${seqs.join(',')}`);
        const poll = await postPoll(b.url, pollBody('7C', { ackCmd: seqs[1]! }));
        const carried = (poll.body.commands as CommandBody[]).map((c) => c.seq);
        assert.deepEqual(carried, [...seqs.slice(2), next]);
        assert.equal(poll.body.desired.locked, true, 'desired state rebuilt from the log');
      } finally {
        await b.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
