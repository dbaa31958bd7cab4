import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TEST_SECRET } from '../helpers/controller.js';
import { randomPort } from '../helpers/commands.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { reap, spawnPurser, writeConfig } from '../e2e/purser-child.js';
import { notifyReceiver, tempDir } from './helpers.js';

// Commands multicast on 239.255.20.1 (this file's group), a random port, interface 127.0.0.1.
const extra = () => ({ cabin: { secret: TEST_SECRET }, commands: { port: randomPort(), group: '239.255.20.1' }, multicast: { interface: '127.0.0.1', ttl: 1 } });

describe('purser run under a fake systemd (NOTIFY_SOCKET)', () => {
  it('sends READY=1 only once polls are answered, then STATUS= and WATCHDOG=1, and STOPPING=1 on SIGTERM', async () => {
    const tmp = await tempDir('purser-notify-');
    const rx = notifyReceiver(join(tmp.dir, 'notify.sock'));
    const child = spawnPurser(await writeConfig(tmp.dir, extra()), { env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '2000000' } });
    try {
      const early = await child.starting;
      // Between "starting" and READY=1, nobody is told we are up: health says starting (or, if start was that quick, running).
      const h = await fetch(`${early.url}/api/v1/health`);
      const hb = (await h.json()) as { state: string; checking?: string[] };
      if (hb.state === 'starting') {
        assert.equal(h.status, 503);
        assert.ok(Array.isArray(hb.checking));
        assert.equal(rx.received.some((d) => d.text.includes('READY=1')), false, 'no READY=1 while health says starting');
      }
      const ready = await rx.waitFor((d) => d.text.split('\n').includes('READY=1'), 30_000);
      // Right after READY=1 a seat poll is answered for real.
      const poll = await postPoll(early.url, pollBody('1A'));
      assert.equal(poll.status, 200, JSON.stringify(poll.body));
      const { url } = await child.listening;
      assert.equal(url, early.url, 'the real server took over the starting listener\'s port');
      assert.ok(rx.lines().findIndex((l) => l.text === 'READY=1') >= 0);

      const status = await rx.waitFor((d) => /STATUS=1\/\d+ seats online/.test(d.text), 10_000);
      assert.ok(status.t >= ready.t);
      // WATCHDOG_USEC=2 s: a ping every second while the loop runs and http, commands and store are up.
      await rx.waitFor((d) => d.text.split('\n').includes('WATCHDOG=1') && d.t > ready.t + 1500, 10_000);
      const pings = rx.lines().filter((l) => l.text === 'WATCHDOG=1').length;
      assert.ok(pings >= 2, `pings: ${pings}`);

      const { code } = await child.stop();
      assert.equal(code, 0, child.stderr());
      assert.ok(rx.lines().some((l) => l.text === 'STOPPING=1'), JSON.stringify(rx.received.map((d) => d.text)));
      const order = rx.lines().map((l) => l.text);
      assert.ok(order.indexOf('STOPPING=1') > order.indexOf('READY=1'));
    } finally {
      await reap(child);
      rx.close();
      await tmp.remove();
    }
  });

  it('a start that fails (the HTTP port is taken) exits non-zero within a few seconds and never sends READY=1', async () => {
    const tmp = await tempDir('purser-notify-fail-');
    const rx = notifyReceiver(join(tmp.dir, 'notify.sock'));
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const port = (squatter.address() as { port: number }).port;
    const child = spawnPurser(await writeConfig(tmp.dir, { ...extra(), http: { host: '127.0.0.1', port } }), {
      env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '2000000' },
    });
    try {
      const t0 = performance.now();
      const { code } = await child.exited;
      const took = performance.now() - t0;
      assert.notEqual(code, 0);
      assert.ok(took < 15_000, `exited after ${Math.round(took)} ms`);
      assert.match(child.stderr(), new RegExp(`http.port ${port}: address 127.0.0.1:${port} is in use`));
      await new Promise((r) => setTimeout(r, 300)); // any datagram in flight arrives
      assert.equal(rx.lines().some((l) => l.text === 'READY=1'), false, JSON.stringify(rx.received.map((d) => d.text)));
    } finally {
      await reap(child);
      squatter.close();
      rx.close();
      await tmp.remove();
    }
  });
});
