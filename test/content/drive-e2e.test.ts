import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { contentFeature, type ContentService } from '../../src/content/feature.js';
import { MANIFEST_NAME } from '../../src/content/manifest.js';
import { pack } from '../../src/content/pack.js';
import { ContentWorkers } from '../../src/content/workers.js';
import { SimContent } from '../../src/sim/content/sim-content.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { ensureUdevd, LoopLab, loopSkipReason, type Plugged } from '../hardware/usb/loop-device.js';
import { buildTestPanel } from '../panel/harness.js';
import { keyPair, sha256 } from './fixture.js';

/**
 * The whole path on real block devices, as root: systemd-udevd (ours if none
 * runs), `udevadm monitor` under the controller, loop images packed like a
 * crew's drive, the read-only mount, ingest on worker threads, the catalog
 * switch, content.sync to simulated seats that fetch and verify.
 *
 * Other tests on this machine make loop devices too: the feature is told to
 * mind only the images this file plugs (acceptDevice).
 */
const skip = loopSkipReason();
const secret = Buffer.from(TEST_SECRET, 'hex');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

describe('content drives on real block devices', { skip: skip && `skipped: ${skip}` }, () => {
  let lab: LoopLab;
  let panel: Awaited<ReturnType<typeof buildTestPanel>> | undefined;
  let udevd: Awaited<ReturnType<typeof ensureUdevd>> | undefined;
  let tc: TestController | undefined;
  let sim: Simulator | undefined;
  let simContent: SimContent | undefined;
  let content: ContentService;
  let workers: ContentWorkers;
  const ours = new Set<string>();
  const events: CabinEvent[] = [];
  const keys = keyPair();
  const rawPublic = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 40; i++) files[`magazines/issue-${String(i).padStart(2, '0')}.pdf`] = randomBytes(400_000 + i);
  files['movies/Heat (1995).mp4'] = randomBytes(2_000_000);

  const plug = (image: string, partitioned = true): Plugged => {
    const p = lab.plug(image, partitioned);
    ours.add(p.loop);
    return p;
  };

  /** An image with one ext4 (or other) partition holding `tree`, packed unless told not to. */
  async function makeDrive(name: string, label: string, tree: Record<string, Buffer>, opts: { fs?: 'ext4' | 'ext2'; sign?: 'good' | 'bad' | 'none'; version?: string } = {}): Promise<string> {
    const staging = await mkdtemp(join(tmpdir(), 'purser-drive-'));
    try {
      for (const [rel, bytes] of Object.entries(tree)) {
        await mkdir(join(staging, rel, '..'), { recursive: true });
        await writeFile(join(staging, rel), bytes);
      }
      if (opts.sign !== 'none') {
        const key = opts.sign === 'bad' ? keyPair().privateKey : keys.privateKey;
        await pack(staging, key, { catalogVersion: opts.version ?? '2025-06', createdAt: '2025-06-01T08:00:00Z', workers });
      }
      const treeMiB = Object.values(tree).reduce((n, b) => n + b.length, 0) / 2 ** 20;
      return await lab.makeImage(name, opts.fs ?? 'ext4', label, { tree: staging, sizeMiB: Math.max(128, Math.ceil(treeMiB * 1.3) + 64) });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  const drive = (id: string) => tc!.controller.ctx.entities.get(id);
  async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; drives: ${JSON.stringify(content.drives.drives.map((d) => [d.id, d.state, d.message]))}`);
      await sleep(25);
    }
  }

  before(async () => {
    lab = await LoopLab.create();
    udevd = await ensureUdevd();
    workers = new ContentWorkers({ maxThreads: 2, idleTimeoutMs: 60_000 });
    panel = await buildTestPanel(); // the panel's alert book: what the crew see of a refused drive
    tc = await startTestController(
      { content: { publicKey: rawPublic, allowLoopDevices: true, mountRoot: join(lab.dir, 'media'), watchUsbDevices: false, spareBytes: 0, copyBytesPerSecond: 3_000_000 } },
      [commandsFeature(), contentFeature({ acceptDevice: (ev) => [...ours].some((l) => ev.devname === l || ev.devname?.startsWith(`${l}p`)), progressIntervalMs: 50 }), panelFeature({ webRoot: panel.webRoot })],
    );
    content = tc.controller.ctx.need('content');
    tc.controller.ctx.bus.events$.subscribe((e) => events.push(e));
    sim = new Simulator({ controller: tc.url, secret, seats: 3, pollIntervalMs: 200 });
    simContent = new SimContent(sim, { secret, dir: join(lab.dir, 'seats') });
    sim.start();
    await until('the udev monitor', () => content.status().health.state === 'ok', 15_000);
  });

  after(async () => {
    simContent?.stop();
    await sim?.stop();
    await tc?.stop();
    await workers?.close();
    await lab?.cleanup();
    await udevd?.stop();
    await panel?.remove();
  });

  it('a packed ext4 drive is mounted read-only, ingested, published, and fetched and verified by the seats', async () => {
    const image = await makeDrive('good', 'JUNE-2025', files);
    plug(image);
    await until('safe to remove', () => drive('drive:JUNE-2025')?.state === 'safe-to-remove');
    const d = drive('drive:JUNE-2025')!;
    assert.equal(d.kind, 'drive');
    assert.equal(d.attributes.filesDone, 41);
    assert.equal(d.attributes.safeToRemove, true);
    assert.match(String(d.attributes.message), /safe to remove/i);
    assert.ok(events.some((e) => e.type === 'drive.inserted' && e.drive === 'drive:JUNE-2025'));
    assert.ok(events.some((e) => e.type === 'content.ingested' && e.catalogVersion === '2025-06'));
    const published = events.find((e) => e.type === 'content.published');
    assert.ok(published && published.type === 'content.published' && published.commandSeq !== null, 'content.sync was issued');
    assert.equal(content.library.currentVersion, '2025-06');
    await until('seats ready', () => ['1A', '1B', '1C'].every((s) => tc!.controller.ctx.registry.get(s)?.content?.state === 'ready'), 30_000);
    for (const s of ['1A', '1B', '1C']) {
      const movie = files['movies/Heat (1995).mp4']!;
      assert.deepEqual(await readFile(join(lab.dir, 'seats', s, 'objects', sha256(movie))), movie);
    }
    const st = content.status();
    assert.equal(st.lastSync?.catalogVersion, '2025-06');
    // The mount is gone once the drive is done: nothing of ours stays mounted.
    const mounted = (await readFile('/proc/self/mountinfo', 'utf8')).includes(join(lab.dir, 'media'));
    assert.equal(mounted, false, 'unmounted after copying');
  });

  it('refuses a drive signed with another key, saying why', async () => {
    const image = await makeDrive('forged', 'FORGED', { 'newspapers/x.pdf': Buffer.from('x') }, { sign: 'bad', version: '2025-07' });
    plug(image);
    await until('refused', () => drive('drive:FORGED')?.state === 'refused');
    const d = drive('drive:FORGED')!;
    assert.match(String((d.attributes.error as { code: string }).code), /bad-signature/);
    assert.match(String(d.attributes.message), /signature/i);
    assert.ok(events.some((e) => e.type === 'drive.refused' && e.code === 'bad-signature'));
    assert.equal(content.library.currentVersion, '2025-06', 'nothing changed');
    // The crew see it in the alert book, in words, as the panel reads it.
    const alerts = ((await (await fetch(`${tc!.url}/api/v1/alerts`)).json()) as { alerts: Alert[] }).alerts;
    const alert = alerts.find((a) => a.kind === 'usb' && a.code === 'drive:FORGED');
    assert.ok(alert, `an alert for the forged drive: ${JSON.stringify(alerts)}`);
    assert.match(alert.text ?? '', /FORGED.*refused.*signature/i);
  });

  it('refuses a drive with a filesystem that is not allowed, with a crew-visible system event', async () => {
    const image = await makeDrive('ext2', 'OLDSTICK', { 'a.txt': Buffer.from('a') }, { fs: 'ext2', sign: 'none' });
    plug(image);
    await until('refused', () => drive('drive:OLDSTICK')?.state === 'refused');
    assert.match(String(drive('drive:OLDSTICK')!.attributes.message), /unsupported filesystem ext2/);
    assert.ok(events.some((e) => e.type === 'system' && /USB device refused \(OLDSTICK\): unsupported filesystem ext2/.test(e.message)));
  });

  it('a drive pulled mid-copy stops cleanly; inserted again it completes without recopying verified files', async () => {
    const more: Record<string, Buffer> = {};
    // 24 MB at the rig's copyBytesPerSecond (3 MB/s): the copy lasts about 8 s on any disk, so the
    // pull (about a second through udev) lands mid-copy on a fast machine as on a slow one.
    const FILES = 400;
    for (let i = 0; i < FILES; i++) more[`newspapers/page-${String(i).padStart(4, '0')}.pdf`] = randomBytes(60_000);
    const image = await makeDrive('july', 'JULY-2025', more, { version: '2025-07' });
    const p = plug(image);
    await until('copying', () => Number(drive('drive:JULY-2025')?.attributes.filesDone ?? 0) >= 1, 30_000);
    // A pulled stick: udev reports the partition removed. The kernel refuses `partx -d` on a mounted
    // partition, so the remove uevent is sent through udevd first (udevadm trigger --action=remove);
    // once the controller has unmounted, the partition and the loop device really go.
    run('udevadm', ['trigger', '--action=remove', `/sys/class/block/${p.node.replace('/dev/', '')}`]);
    await until('removed', () => drive('drive:JULY-2025')?.state === 'removed');
    const at = drive('drive:JULY-2025')!;
    assert.match(String(at.attributes.message), /Insert it again to continue/);
    const doneBefore = Number(at.attributes.filesDone);
    assert.ok(doneBefore < FILES, `stopped mid-copy (${doneBefore} of ${FILES})`);
    assert.notEqual(content.library.currentVersion, '2025-07', 'not published half-copied');
    await until('unmounted', () => !spawnSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' }).stdout.includes(join(lab.dir, 'media')), 10_000);
    await lab.unplug(p);
    ours.delete(p.loop);

    plug(image);
    await until('safe to remove again', () => drive('drive:JULY-2025')?.state === 'safe-to-remove', 40_000);
    const again = drive('drive:JULY-2025')!;
    assert.ok(Number(again.attributes.filesReused) >= doneBefore, `verified files reused (${again.attributes.filesReused} >= ${doneBefore})`);
    assert.equal(Number(again.attributes.filesCopied) + Number(again.attributes.filesReused), FILES);
    assert.equal(content.library.currentVersion, '2025-07');
    // The library holds only verified objects.
    for (const [, bytes] of Object.entries(more)) assert.ok(content.library.objectState(sha256(bytes)) !== 'absent');
    assert.ok(!MANIFEST_NAME.includes('/'));
  });
});
