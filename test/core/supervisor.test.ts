import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Subject } from 'rxjs';
import { backoffDelay } from '../../core/backoff.js';
import { createLogger } from '../../src/core/log.js';
import { HealthCell, type Health, type Service } from '../../src/core/service.js';
import { Supervised } from '../../src/core/supervisor.js';

class Flaky implements Service {
  readonly name = 'flaky';
  readonly cell = new HealthCell();
  readonly health$ = this.cell.health$;
  readonly failures = new Subject<Error>();
  readonly failed$ = this.failures.asObservable();
  starts = 0;
  stops = 0;
  failNextStarts = 0;
  async start(): Promise<void> {
    this.starts++;
    if (this.failNextStarts-- > 0) throw new Error('no device');
    this.cell.set('ok');
  }
  async stop(): Promise<void> {
    this.stops++;
  }
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not met in time');
};

describe('supervision', () => {
  it('backoff is full jitter: anywhere from 0 to the capped exponential', () => {
    const p = { initialMs: 100, maxMs: 1000 };
    assert.equal(backoffDelay(0, p, () => 0), 0);
    assert.equal(backoffDelay(0, p, () => 0.999), 100);
    assert.equal(backoffDelay(3, p, () => 0.5), 400);
    assert.equal(backoffDelay(20, p, () => 1), 1000, 'capped');
  });

  it('restarts a service that fails after it started, stopping it first, and shows why meanwhile', async () => {
    const inner = new Flaky();
    const s = new Supervised(inner, createLogger('silent'), { initialMs: 50, maxMs: 50 });
    const seen: Health[] = [];
    s.health$.subscribe((h) => seen.push(h));
    await s.start();
    assert.equal(inner.starts, 1);
    inner.failures.next(new Error('VLC exited with signal SIGKILL'));
    await until(() => inner.starts === 2);
    assert.equal(inner.stops, 1, 'stopped before it was started again');
    assert.ok(seen.some((h) => h.state === 'down' && /failed: VLC exited with signal SIGKILL; retrying in/.test(h.detail ?? '')));
    assert.equal(seen.at(-1)?.state, 'ok');
    assert.equal(s.restarts, 1);
    await s.stop();
  });

  it('retries a failed start with backoff until it starts; stop() ends the retries', async () => {
    const inner = new Flaky();
    inner.failNextStarts = 2;
    const s = new Supervised(inner, createLogger('silent'), { initialMs: 20, maxMs: 40 });
    await s.start();
    assert.equal(s.started, false);
    await until(() => s.started);
    assert.equal(inner.starts, 3);
    await s.stop();
    inner.failures.next(new Error('after stop'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(inner.starts, 3, 'nothing restarts after stop');
  });
});
