import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { firmwareFeature } from '../../src/firmware/feature.js';
import type { RolloutDetail } from '../../src/firmware/rollout/view.js';
import { panelFeature } from '../../src/panel/feature.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { buildTestPanel } from '../panel/harness.js';

const ROOT = new URL('../../', import.meta.url).pathname;

let tc: TestController;
let removePanel: () => Promise<void>;
/** Each seat's poll count: every poll must go up. */
const seq = new Map<string, number>();

function purser(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'firmware', ...args, '--controller', tc.url, '--token', TEST_TOKEN], { cwd: ROOT, env: { ...process.env, PURSER_URL: '', PURSER_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${tc.url}${path}`, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return (await res.json()) as T;
}

/** A seat player's poll; answers the newest command's seq. */
async function poll(seat: string, over: Parameters<typeof pollBody>[1] = {}): Promise<number> {
  const n = (seq.get(seat) ?? 0) + 1;
  seq.set(seat, n);
  const { body } = await postPoll(tc.url, pollBody(seat, { seq: n, ...over }));
  return Math.max(0, ...(body.commands as { seq: number }[]).map((c) => c.seq));
}

/** The seat takes its firmware.update and reports that the image failed to verify. */
async function failUpdate(seat: string, error: string): Promise<void> {
  const told = await poll(seat);
  await poll(seat, { ackCmd: told, update: { state: 'failed', version: '2.5.0', error } });
}

async function rollout(id: number, until: (r: RolloutDetail) => boolean): Promise<RolloutDetail> {
  for (const deadline = performance.now() + 20_000; ; await sleep(50)) {
    const { rollout: r } = await api<{ rollout: RolloutDetail }>('GET', `/api/v1/rollouts/${id}`);
    if (until(r)) return r;
    if (performance.now() > deadline) throw new Error(`rollout ${id} is ${r.state}: ${JSON.stringify(r.seats)}`);
  }
}

/** The rollout alerts (seats here poll only when a test says, so they go offline too). */
const alerts = async () => (await api<{ alerts: Alert[] }>('GET', '/api/v1/alerts')).alerts.filter((a) => a.kind === 'rollout');

before(async () => {
  const panel = await buildTestPanel();
  removePanel = panel.remove;
  tc = await startTestController(
    { api: { token: TEST_TOKEN }, commands: { port: randomPort(), group: '239.255.10.1' }, multicast: { interface: '127.0.0.1', ttl: 1 }, pa: { enabled: false }, tftp: { host: '127.0.0.1', port: 0 } },
    [commandsFeature(), firmwareFeature(), panelFeature({ webRoot: panel.webRoot })],
  );
  const up = await fetch(`${tc.url}/api/v1/firmware/gp3/2.5.0`, { method: 'PUT', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(4096).fill(9) });
  assert.equal(up.status, 201);
  for (const s of ['1A', '1B', '1C']) await poll(s);
});
after(async () => {
  await tc?.stop();
  await removePanel?.();
});

describe('a halted rollout, as the technician reads it', () => {
  let id: number;

  it('shows its canary group as halted, not active, and raises an alert in the alert book', async () => {
    const started = await api<{ rollout: RolloutDetail }>('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.5.0', target: { seats: ['1A', '1B', '1C'] }, canary: 2, batchSize: 1, retries: 0, errorThreshold: { percent: 0, seats: 0 }, onGround: true });
    id = started.rollout.id;
    const canary = started.rollout.seats.filter((s) => s.group === 0).map((s) => s.seat);
    await failUpdate(canary[0]!, 'sha256 mismatch');
    const halted = await rollout(id, (r) => r.state === 'halted');
    assert.equal(halted.reason, '1 seats failed, more than the 0 the error threshold allows (0 % or 0 seats, whichever is more)');

    const status = await purser(['status', String(id)]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`rollout ${id}: gp3 2\\.5\\.0, HALTED`));
    assert.match(status.stdout, /^1\s+canary\s+2\s+0\s+1\s+2\s+halted$/m);
    assert.match(status.stdout, /^2\s+batch\s+1\s+0\s+0\s+1\s+waiting$/m);
    assert.doesNotMatch(status.stdout, /\bactive\b/);
    assert.match(status.stdout, new RegExp(`^${canary[0]}\\s+failed\\s+1\\s+.*sha256 mismatch$`, 'm'));

    const [alert, ...more] = await alerts();
    assert.equal(more.length, 0);
    assert.equal(alert?.kind, 'rollout');
    assert.equal(alert?.priority, 'high');
    assert.equal(alert?.text, `gp3 2.5.0 halted: ${halted.reason}`);
    // The technician at the CLI reads the same alert.
    assert.match(status.stdout.trimEnd().split('\n').at(-1)!, /^alert on the panel since .+: gp3 2\.5\.0 halted: 1 seats failed, more than the 0 .* \(not acknowledged\)$/);
  });

  it('a retried seat loses its old error until it fails again; the rollout runs, its alert closes', async () => {
    const failed = (await rollout(id, () => true)).seats.find((s) => s.state === 'failed')!.seat;
    const retry = await purser(['retry', String(id)]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`rollout ${id}: gp3 2\\.5\\.0, RUNNING`));
    assert.match(retry.stdout, /^1\s+canary\s+2\s+0\s+0\s+2\s+active$/m);
    assert.doesNotMatch(retry.stdout, /sha256 mismatch|alert on the panel/);
    const told = await rollout(id, (r) => r.seats.some((s) => s.seat === failed && s.state === 'sent'));
    assert.equal(told.seats.find((s) => s.seat === failed)!.error, undefined);
    assert.deepEqual(await alerts(), [], 'the halt alert closed when the rollout ran again');

    await failUpdate(failed, 'sha256 mismatch again');
    const again = await rollout(id, (r) => r.state === 'halted');
    assert.equal(again.seats.find((s) => s.seat === failed)!.error, 'sha256 mismatch again');
    const status = await purser(['status', String(id)]);
    assert.match(status.stdout, new RegExp(`^${failed}\\s+failed\\s+1\\s+.*sha256 mismatch again$`, 'm'));
    assert.equal((await alerts()).length, 1, 'a second halt, a second alert');
  });
});
