import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { HealthCell, type Service } from '../../src/core/service.js';
import { postPoll, pollBody } from '../helpers/poll.js';
import { startTestController, type TestController } from '../helpers/controller.js';

/** A peripheral service whose start always fails, to show health turning 503 while the rest works. */
function brokenService(): Service {
  const h = new HealthCell();
  return { name: 'broken-radio', health$: h.health$, start: async () => Promise.reject(new Error('no such device')), stop: async () => undefined };
}

/** Reads SSE frames from the live event stream until `until` returns true. */
function readSse(url: string, until: (frames: { event: string; data: unknown }[]) => boolean, timeoutMs = 5000) {
  return new Promise<{ event: string; data: unknown }[]>((resolve, reject) => {
    const frames: { event: string; data: unknown }[] = [];
    const req = request(`${url}/api/v1/events`, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) frames.push({ event: ev, data: JSON.parse(data) });
        }
        if (until(frames)) {
          req.destroy();
          resolve(frames);
        }
      });
    });
    req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
    req.end();
    setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE: condition not met in ${timeoutMs} ms; got ${JSON.stringify(frames).slice(0, 500)}`));
    }, timeoutMs).unref();
  });
}

describe('API for people', () => {
  let tc: TestController;
  before(async () => {
    tc = await startTestController({}, [{ name: 'radio', setup: () => ({ services: [brokenService()] }) }]);
    await postPoll(tc.url, pollBody('1A', { faults: [{ code: 'DISK_SMART', severity: 'warn', sinceMs: 0 }] }));
    await postPoll(tc.url, pollBody('7B', { inputs: { call: { on: true, sinceMs: 2000 } } }));
  });
  after(() => tc.stop());

  it('lists every seat of the layout with status, and filters by zone, status, fault and call', async () => {
    const all = (await (await fetch(`${tc.url}/api/v1/seats`)).json()) as { total: number; online: number; seats: { seat: string; status: string }[] };
    assert.equal(all.total, 300);
    assert.equal(all.seats.length, 300);
    assert.equal(all.online, 2);
    const j = (await (await fetch(`${tc.url}/api/v1/seats?zone=J`)).json()) as { seats: { zone: string }[] };
    assert.equal(j.seats.length, 30);
    assert.ok(j.seats.every((s) => s.zone === 'J'));
    const faulty = (await (await fetch(`${tc.url}/api/v1/seats?fault=true`)).json()) as { seats: { seat: string }[] };
    assert.deepEqual(faulty.seats.map((s) => s.seat), ['1A']);
    const calls = (await (await fetch(`${tc.url}/api/v1/seats?call=true`)).json()) as { seats: { seat: string }[] };
    assert.deepEqual(calls.seats.map((s) => s.seat), ['7B']);
    const offline = (await (await fetch(`${tc.url}/api/v1/seats?status=offline`)).json()) as { matched: number };
    assert.equal(offline.matched, 298);
    const bad = await fetch(`${tc.url}/api/v1/seats?zone=Q`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'UNKNOWN_ZONE');
  });

  it('shows a seat in detail with recent events, and 404s an unknown one', async () => {
    tc.controller.ctx.store.flush(tc.controller.ctx.registry.takeDirty());
    const d = (await (await fetch(`${tc.url}/api/v1/seats/7b`)).json()) as { seat: { seat: string; lru: { serial: string } }; events: { type: string }[] };
    assert.equal(d.seat.lru.serial, 'GP3-7B');
    assert.ok(d.events.some((e) => e.type === 'call.pressed'));
    const r = await fetch(`${tc.url}/api/v1/seats/99Q`);
    assert.equal(r.status, 404);
    assert.deepEqual(Object.keys(((await r.json()) as { error: object }).error).sort(), ['code', 'field', 'message']);
  });

  it('streams live events over SSE as seats poll', async () => {
    const got = readSse(
      tc.url,
      (f) => f.some((x) => x.event === 'cabin' && (x.data as { type: string }).type === 'call.pressed') && f.some((x) => x.event === 'seat'),
    );
    await new Promise((r) => setTimeout(r, 100));
    await postPoll(tc.url, pollBody('12C', { inputs: { call: { on: true, sinceMs: 10 } } }));
    const frames = await got;
    assert.ok(frames.some((f) => f.event === 'seat' && (f.data as { seat: string; call: boolean }).seat === '12C' && (f.data as { call: boolean }).call));
  });

  it('reports a failing service as down with its reason and answers 503, while seats still poll', async () => {
    const r = await fetch(`${tc.url}/api/v1/health`);
    assert.equal(r.status, 503);
    const h = (await r.json()) as { status: string; services: Record<string, { state: string; detail?: string }> };
    assert.equal(h.status, 'down');
    assert.equal(h.services['broken-radio']?.state, 'down');
    assert.match(h.services['broken-radio']?.detail ?? '', /no such device; retrying in/);
    assert.equal(h.services.http?.state, 'ok');
    assert.equal((await postPoll(tc.url, pollBody('2A'))).status, 200);
  });

  it('exports Prometheus metrics: polls, errors by code, seats online, event-loop lag', async () => {
    await postPoll(tc.url, pollBody('3A'), { signature: '00'.repeat(32) });
    const text = await (await fetch(`${tc.url}/metrics`)).text();
    assert.match(text, /purser_seat_polls_total\{outcome="ok"\} [1-9]/);
    assert.match(text, /purser_http_errors_total\{code="BAD_SIGNATURE"\} [1-9]/);
    assert.match(text, /purser_seats_online [1-9]/);
    assert.match(text, /nodejs_eventloop_lag_p99_seconds/);
  });
});

describe('errors fastify raises before routing', () => {
  it('a path parameter over 100 characters and a malformed URL get the error shape', async () => {
    const tc = await startTestController();
    try {
      const long = await fetch(`${tc.url}/api/v1/seats/${'A'.repeat(150)}`);
      assert.equal(long.status, 414);
      assert.equal(((await long.json()) as { error: { code: string } }).error.code, 'URI_TOO_LONG');
      const bad = await fetch(`${tc.url}/api/v1/seats/%E0%A4%A`);
      assert.equal(bad.status, 400);
      assert.equal(typeof ((await bad.json()) as { error: { message: string } }).error.message, 'string');
    } finally {
      await tc.stop();
    }
  });
});
