import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pollBody, postPoll } from '../helpers/poll.js';
import { startFirmwareController, type FirmwareController } from './controller.js';

const run = promisify(execFile);
/** curl's exit code for a TFTP access violation: the server refused the file. */
const CURL_TFTP_PERM = 69;
let fc: FirmwareController;
let work: string;
const image = Buffer.alloc(300_000, 7);

before(async () => {
  fc = await startFirmwareController();
  work = await mkdtemp(join(tmpdir(), 'purser-fw-api-'));
});
after(async () => {
  await fc.stop();
  await rm(work, { recursive: true, force: true });
});

/** curl's TFTP client: the file's bytes, or its exit code and message on an error. */
async function curlTftp(path: string): Promise<{ ok: true; bytes: Buffer } | { ok: false; code: number; stderr: string }> {
  const out = join(work, `curl-${Math.random().toString(36).slice(2)}`);
  try {
    await run('curl', ['-sS', '--max-time', '10', '-o', out, `tftp://127.0.0.1:${await fc.tftpPort()}/${path}`]);
    const { readFile } = await import('node:fs/promises');
    return { ok: true, bytes: await readFile(out) };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { ok: false, code: e.code, stderr: e.stderr };
  }
}

describe('firmware API and TFTP wiring', () => {
  it('imports an uploaded image, signs it, lists it and serves it by TFTP to curl', async () => {
    const res = await fc.upload('gp3', '2.5.0', image);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const img = res.body.image as { sha256: string; size: number; signature: string; state: string };
    assert.equal(img.sha256, createHash('sha256').update(image).digest('hex'));
    assert.equal(img.state, 'ready');

    const list = await fc.api<{ images: { version: string }[]; keyId: string; tftp: string }>('GET', '/api/v1/firmware');
    assert.deepEqual(list.body.images.map((i) => i.version), ['2.5.0']);
    assert.match(list.body.tftp, /^tftp:\/\/127\.0\.0\.1:\d+$/);

    const got = await curlTftp('firmware/gp3/2.5.0.img');
    assert.ok(got.ok, JSON.stringify(got));
    assert.ok(got.bytes.equals(image));
  });

  it('gives seats the firmware key that verifies the signature', async () => {
    const { body } = await fc.api<{ firmwareKey: string }>('GET', '/seat/v1/firmware-key', undefined, null);
    assert.equal(Buffer.from(body.firmwareKey, 'base64').length, 32);
  });

  it('does not serve a quarantined image, nor anything under the root that is not a ready image', async () => {
    await fc.upload('gp3', '2.6.0', Buffer.alloc(5000, 1));
    const root = join(fc.stateDir, 'tftp');
    // Corrupt it on disk behind the catalog's back; the check quarantines it.
    await writeFile(join(root, 'firmware/gp3/2.6.0.img'), Buffer.alloc(5000, 2));
    const verify = await fc.api<{ report: { quarantined: { version: string }[] } }>('POST', '/api/v1/firmware/verify');
    assert.deepEqual(verify.body.report.quarantined.map((q) => q.version), ['2.6.0']);

    const refused = await curlTftp('firmware/gp3/2.6.0.img');
    assert.deepEqual(refused.ok ? 'served' : refused.code, CURL_TFTP_PERM);
    for (const path of ['quarantine/gp3', 'firmware/gp3/.2.7.0.img.tmp-00', '../purser.db', 'firmware-signing.pem']) {
      const r = await curlTftp(path);
      assert.equal(r.ok, false, path);
    }
    // The TFTP server runs in its own thread: its counts reach the main thread's metrics a moment after curl exits.
    const refusedFive = /^purser_tftp_refused_total 5$/m;
    let metrics = '';
    for (let i = 0; i < 50 && !refusedFive.test(metrics); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      metrics = await (await fetch(`${fc.url}/metrics`)).text();
    }
    assert.match(metrics, /^purser_tftp_transfers_total\{outcome="completed"\} 1$/m, 'the one served image');
    assert.match(metrics, refusedFive, 'the quarantined image and the four others');
    assert.match(metrics, /^purser_tftp_tail_probes_total 0$/m, 'curl is lockstep: no window, no probe');
    // At least the OACK's answer, before any round trip is known, was polled for.
    const polled = Number(/^purser_tftp_busy_poll_seconds_total (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(polled > 0, `busy polling reaches the metrics (${polled})`);
  });

  it('refuses an import with a signature that does not verify, and a second image under the same version', async () => {
    const bad = await fc.upload('gp3', '3.0.0', Buffer.alloc(100, 3), { 'x-firmware-signature': Buffer.alloc(64, 9).toString('base64') });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error?.code, 'BAD_SIGNATURE');
    const clash = await fc.upload('gp3', '2.5.0', Buffer.alloc(100, 4));
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error?.code, 'VERSION_EXISTS');
    const name = await fc.upload('gp3', '.hidden', Buffer.alloc(100, 4));
    assert.equal(name.status, 400);
    const empty = await fc.upload('gp3', '3.1.0', Buffer.alloc(0));
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error?.code, 'EMPTY_IMAGE');
  });

  it('imports only for a technician', async () => {
    const res = await fetch(`${fc.url}/api/v1/firmware/gp3/9.9.9`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(10) });
    assert.equal(res.status, 401);
  });

  it('starts a rollout, shows it per group and seat, and refuses a second one while it runs', async () => {
    for (const seat of ['1A', '1B', '1C']) await postPoll(fc.url, pollBody(seat));
    const res = await fc.api<{ rollout: { id: number; state: string; groups: { kind: string; seats: number }[]; seats: { seat: string; state: string }[] } }>('POST', '/api/v1/rollouts', {
      model: 'gp3',
      version: '2.5.0',
      target: { seats: ['1A', '1B', '1C', '1D'] },
      canary: 1,
      batchSize: 2,
      onGround: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const r = res.body.rollout;
    assert.deepEqual(r.groups.map((g) => `${g.kind}:${g.seats}`), ['canary:1', 'batch:2']);
    assert.equal(r.seats.find((s) => s.seat === '1D')?.state, 'skipped', '1D never polled: no unit known');
    assert.equal(r.seats.find((s) => s.seat === '1A')?.state, 'sent', 'the canary is told at once');

    const commands = await fc.api<{ commands: { cmd: string; targeted: number }[] }>('GET', '/api/v1/commands');
    assert.equal(commands.body.commands[0]?.cmd, 'firmware.update');

    const again = await fc.api('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.5.0', target: { all: true }, onGround: true });
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'ROLLOUT_ACTIVE');

    const list = await fc.api<{ rollouts: { id: number; totals: { skipped: number } }[] }>('GET', '/api/v1/rollouts');
    assert.equal(list.body.rollouts[0]?.id, r.id);
    assert.equal(list.body.rollouts[0]?.totals.skipped, 1);

    const paused = await fc.api<{ rollout: { state: string } }>('POST', `/api/v1/rollouts/${r.id}/pause`);
    assert.equal(paused.body.rollout.state, 'paused');
    const retry = await fc.api('POST', `/api/v1/rollouts/${r.id}/retry`);
    assert.equal(retry.status, 409);
    assert.match(retry.body.error!.message, /no seat has failed/);
    const cancelled = await fc.api<{ rollout: { state: string } }>('POST', `/api/v1/rollouts/${r.id}/cancel`);
    assert.equal(cancelled.body.rollout.state, 'cancelled');
  });

  it('refuses to start in flight unless forced, and names unknown or quarantined images', async () => {
    const flight = await fc.api('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.5.0', target: { all: true }, onGround: false });
    assert.equal(flight.status, 409);
    assert.equal(flight.body.error?.code, 'IN_FLIGHT');
    const unknown = await fc.api('POST', '/api/v1/rollouts', { model: 'gp3', version: '7.0.0', target: { all: true }, onGround: true });
    assert.equal(unknown.status, 404);
    const quarantined = await fc.api('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.6.0', target: { all: true }, onGround: true });
    assert.equal(quarantined.status, 409);
    assert.equal(quarantined.body.error?.code, 'IMAGE_QUARANTINED');
    const forced = await fc.api<{ rollout: { forced: boolean; id: number } }>('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.5.0', target: { zones: ['J'] }, onGround: false, force: true });
    assert.equal(forced.status, 201);
    assert.equal(forced.body.rollout.forced, true);
    await fc.api('POST', `/api/v1/rollouts/${forced.body.rollout.id}/cancel`);
  });

  it('names the offending field of a bad rollout request', async () => {
    const cases: [unknown, string][] = [
      [{ model: 'gp3', version: '2.5.0', target: { all: true }, onGround: true, batchsize: 5 }, 'batchsize'],
      [{ model: 'gp3', version: '2.5.0', target: { seats: ['99Z'] }, onGround: true }, 'target.seats[0]'],
      [{ model: 'gp3', version: '2.5.0', target: { all: true }, onGround: 'yes' }, 'onGround'],
      [{ model: 'gp3', version: '2.5.0', target: { all: true }, onGround: true, errorThreshold: { percent: 500 } }, 'errorThreshold.percent'],
      [{ model: 'gp3', target: { all: true }, onGround: true }, 'version'],
    ];
    for (const [body, field] of cases) {
      const res = await fc.api('POST', '/api/v1/rollouts', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error?.field, field, JSON.stringify(res.body));
    }
    assert.equal((await fc.api('GET', '/api/v1/rollouts/abc')).status, 404);
    assert.equal((await fc.api('POST', '/api/v1/rollouts/1/explode')).status, 404);
    assert.equal((await fc.api('POST', '/api/v1/rollouts', { model: 'gp3' }, null)).status, 401);
  });
});
