import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_SECRET } from '../helpers/controller.js';
import { randomPort } from '../helpers/commands.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { reap, spawnPurser, writeConfig } from '../e2e/purser-child.js';
import { tempDir } from './helpers.js';

/** Issue 20's goal: polls answered within 1 s of the controller's start. */
const GOAL_MS = 1000;
/**
 * What this test fails at. The suite shares 2 cores with other helpers' and
 * files' load (load averages near 18 were seen), where the same start takes
 * several seconds; the figure is printed against the goal either way. What
 * must hold whatever the load: seats are answered before the peripheral
 * services have all started.
 */
const FAIL_AT_MS = 8000;

interface StartedLog {
  msg: string;
  startupMs: Record<string, number>;
}

function logLines(out: string): StartedLog[] {
  return out.split('\n').flatMap((l) => {
    try {
      const o = JSON.parse(l) as StartedLog;
      return typeof o.msg === 'string' ? [o] : [];
    } catch {
      return [];
    }
  });
}

describe('start-up time of a real purser run', { timeout: 90_000 }, () => {
  it('answers a seat poll within 1 s of the controller start (startupTimings), before the other services are all up', async () => {
    const tmp = await tempDir('purser-startup-time-');
    const cfg = await writeConfig(tmp.dir, { cabin: { secret: TEST_SECRET }, commands: { port: randomPort(), group: '239.255.20.1' }, multicast: { interface: '127.0.0.1', ttl: 1 }, vlc: { enabled: false } });
    const child = spawnPurser(cfg, { env: { PURSER_LOG_LEVEL: 'info' } });
    try {
      const early = await child.starting;
      // Poll as a seat does (more often, to time it): 503 STARTING until the hand-over, then 200.
      let firstAnsweredAt = 0;
      const deadline = performance.now() + 60_000;
      while (!firstAnsweredAt) {
        assert.ok(performance.now() < deadline, `no poll answered: ${child.stderr().slice(-1000)}`);
        const r = await postPoll(early.url, pollBody('1A')).catch(() => ({ status: 0 }));
        if (r.status === 200) firstAnsweredAt = performance.now();
        else await new Promise((res) => setTimeout(res, 20));
      }
      const wallMs = Math.round(firstAnsweredAt - early.t);
      const allUp = await waitForLog(child.stdout, 'every service has started', 60_000);

      const started = logLines(child.stdout()).find((l) => l.msg === 'purser controller started');
      assert.ok(started, child.stdout().slice(-2000));
      const t = started.startupMs;
      const seatsAnswered = t.seatsAnswered!;
      // The controller's own clock for the seat's side of it: our poll, answered 200, was the first.
      const first = (await waitForLog(child.stdout, 'first seat poll answered', 10_000)) as unknown as { ms: number };
      const line = `start to seats answered ${seatsAnswered} ms (goal ${GOAL_MS} ms: ${seatsAnswered <= GOAL_MS ? 'met' : 'missed'}); httpReady ${t.httpReady} ms, store ${t.store} ms; "starting" line to first 200 ${wallMs} ms; the first seat poll answered at ${first.ms} ms; every service up ${allUp.startupMs.services} ms later (tftp ${allUp.startupMs['service:tftp']} ms)`;
      console.log(line);
      assert.ok(seatsAnswered < FAIL_AT_MS, line);
      // The ordering itself: READY-worthy (seats answered) came first, the TFTP thread and the rest after.
      assert.ok(t['service:tftp'] === undefined, 'the TFTP thread had not started when seats were answered');
      assert.ok(allUp.startupMs['service:tftp']! >= 0);
      assert.ok(first.ms >= seatsAnswered, `first seat poll at ${first.ms} ms; seats answered at ${seatsAnswered} ms`);
    } finally {
      await child.stop();
      await reap(child);
      await tmp.remove();
    }
  });
});

/** The first log line with this message, as it is printed. */
async function waitForLog(stdout: () => string, msg: string, ms: number): Promise<StartedLog> {
  const until = performance.now() + ms;
  for (;;) {
    const hit = logLines(stdout()).find((l) => l.msg === msg);
    if (hit) return hit;
    assert.ok(performance.now() < until, `no "${msg}" log line`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
