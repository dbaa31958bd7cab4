import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { sseFrames, type SseFrame } from '../helpers/sse.js';
import { buildTestPanel } from '../panel/harness.js';

type Frame = { event: string; data: { op?: string; alert?: Alert } };

/** Collects SSE frames of one kind until `until` holds. */
function sseUntil(url: string, event: string, until: (f: Frame[]) => boolean, timeoutMs = 10_000): { ready: Promise<void>; done: Promise<Frame[]> } {
  // Live-only bus events come as `event: live`; an alert change is its `change`.
  const pick = ({ event: ev, data }: SseFrame): Frame | undefined =>
    ev === 'live' && event === 'alert' && data?.type === 'alert.changed' ? { event, data: data.change } : ev === event ? { event: ev, data } : undefined;
  return sseFrames(url, until, { pick, timeoutMs });
}

describe('alerts API', () => {
  let tc: TestController;
  let webRoot: string;
  let removeBuild: () => Promise<void>;
  let auth: Record<string, string>;
  const alerts = async () => (await (await fetch(`${tc.url}/api/v1/alerts`)).json()) as { now: number; alerts: Alert[] };
  const act = (id: string, op: string, headers = auth) => fetch(`${tc.url}/api/v1/alerts/${id}/${op}`, { method: 'POST', headers });

  before(async () => {
    ({ webRoot, remove: removeBuild } = await buildTestPanel());
    tc = await startTestController({}, [panelFeature({ webRoot })]);
    auth = { authorization: `Bearer ${tc.controller.config.api.token}` };
  });
  after(async () => {
    await tc.stop();
    await removeBuild();
  });

  it('opens a call alert dated to the press and pushes open, ack and close to live panels', async () => {
    const live = sseUntil(tc.url, 'alert', (f) => f.some((x) => x.data.op === 'close'));
    await live.ready;
    const before = Date.now();
    await postPoll(tc.url, pollBody('12C', { inputs: { call: { on: true, sinceMs: 4000 } } }));
    const { now, alerts: open } = await alerts();
    assert.ok(Math.abs(now - Date.now()) < 1000, 'the controller says its time, for panels with a wrong clock');
    assert.equal(open.length, 1);
    const call = open[0]!;
    assert.equal(call.kind, 'call');
    assert.equal(call.priority, 'urgent');
    // A second of margin: on a busy machine the poll itself can take hundreds of ms.
    assert.ok(call.since <= before - 3000, 'waiting since the press, not since the poll');

    const acked = await act(call.id, 'ack');
    assert.equal(acked.status, 200);
    assert.equal(((await acked.json()) as { alert: Alert }).alert.ackedBy, 'token');
    const cleared = await act(call.id, 'clear');
    assert.deepEqual(await cleared.json(), { cleared: call.id });
    assert.deepEqual((await alerts()).alerts, []);
    assert.deepEqual((await live.done).map((f) => f.data.op), ['open', 'ack', 'close']);

    tc.controller.ctx.store.flush(tc.controller.ctx.registry.takeDirty());
    const history = (await (await fetch(`${tc.url}/api/v1/history?limit=20`)).json()) as { events: { type: string; data: { action?: string; by?: string } }[] };
    assert.ok(history.events.some((e) => e.type === 'crew.action' && e.data.action === 'alert.clear' && e.data.by === 'token'), 'who cleared it is in the cabin history');
  });

  it('needs credentials to act, and says when an alert is not open', async () => {
    await postPoll(tc.url, pollBody('14A', { seq: 1, inputs: { call: { on: true, sinceMs: 10 } } }));
    const id = (await alerts()).alerts.find((a) => a.seat === '14A')!.id;
    const anon = await act(id, 'ack', {});
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    const missing = await act('call-14A-1', 'clear');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'UNKNOWN_ALERT');
    const bad = await act('NOT AN ID', 'ack');
    assert.equal(bad.status, 400);
  });

  it('raises and closes an offline alert as a seat stops and resumes polling', async () => {
    await postPoll(tc.url, pollBody('20F'));
    const deadline = Date.now() + 10_000;
    while (!(await alerts()).alerts.some((a) => a.kind === 'offline' && a.seat === '20F')) {
      assert.ok(Date.now() < deadline, 'offline alert within 3 poll intervals');
      await new Promise((r) => setTimeout(r, 200));
    }
    await postPoll(tc.url, pollBody('20F', { seq: 2 }));
    assert.equal((await alerts()).alerts.some((a) => a.seat === '20F'), false);
  });

  it('keeps open alerts across a controller restart, and not the cleared ones', async () => {
    const open = (await alerts()).alerts.filter((a) => a.seat === '14A');
    assert.deepEqual(open.map((a) => a.kind).sort(), ['call', 'offline'], 'it called, then stopped polling');
    const port = Number(new URL(tc.url).port);
    await tc.stop({ keepState: true });
    tc = await startTestController({ http: { host: '127.0.0.1', port } }, [panelFeature({ webRoot })], tc.stateDir);
    const after = (await alerts()).alerts;
    assert.deepEqual(after.filter((a) => a.seat === '14A'), open);
    assert.equal(after.some((a) => a.seat === '12C' && a.kind === 'call'), false, 'the cleared call stays cleared');
  });
});
