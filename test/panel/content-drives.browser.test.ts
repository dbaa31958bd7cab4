/**
 * The content-drive card, in headless Chromium, driven through the states a
 * drive goes through: the drive entities are written to the controller's real
 * EntityTable in the content feature's own shape (DriveStatus, as
 * src/content/feature.ts publishes it), and the crew's page follows them over
 * the live stream. Then at 1024x600 beside waiting calls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { DriveStatus } from '../../src/content/drives.js';
import { buildTestPanel, SCREENSHOTS, startRig, type PanelRig } from './harness.js';

const WAIT = { timeout: 20_000 };
const LABEL = 'CABIN-DEC';
const CALLERS = ['1A', '2C', '3D', '5F'];

/** A drive's status as the DriveManager keeps it; each step overrides what changed. */
function drive(over: Partial<DriveStatus>): DriveStatus {
  return {
    id: `drive:${LABEL}`,
    name: LABEL,
    state: 'inserted',
    devpath: '/devices/virtual/block/loop7',
    devname: '/dev/loop7',
    label: LABEL,
    fsType: 'ext4',
    catalogVersion: null,
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    filesCopied: 0,
    filesReused: 0,
    bytesPerSecond: null,
    etaSeconds: null,
    currentFile: null,
    message: 'Drive found: checking it.',
    error: null,
    safeToRemove: false,
    since: Date.now(),
    usbDevice: false,
    alert: null,
    ...over,
  };
}

/** What the content feature writes for a status (its driveEntity). */
function publish(rig: PanelRig, d: DriveStatus): void {
  const { id, name, state, ...attributes } = d;
  rig.tc.controller.ctx.entities.set({ id, kind: 'drive', name: d.usbDevice ? `USB device ${name.replace(/^usb-/, '')}` : `Content drive ${name}`, state, attributes });
}

/** The card's text once it shows `state` and the text matches. */
async function cardText(card: Locator, state: string, expect: RegExp): Promise<string> {
  await card.and(card.page().locator(`[data-state="${state}"]`)).filter({ hasText: expect }).waitFor(WAIT);
  return card.innerText();
}

/** The cabin buttons and "Sent to seats" stay on the side (not pushed under the legend by the card). */
async function assertSideRoom(page: Page, what: string): Promise<void> {
  const m = await page.evaluate(() => [document.querySelector('.side')!, document.querySelector('.cabin-actions')!, document.querySelector('.deliveries h2')!].map((el) => el.getBoundingClientRect().bottom));
  assert.ok(m[1]! <= m[0]! + 0.5, `${what}: the cabin buttons stay on screen (${m[1]} > ${m[0]})`);
  assert.ok(m[2]! <= m[0]! + 0.5, `${what}: "Sent to seats" stays on screen (${m[2]} > ${m[0]})`);
}

/** Bytes, epoch ms or seconds would show as long runs of digits: the crew reads sizes and minutes. */
function assertNoRawNumbers(text: string, what: string): void {
  assert.doesNotMatch(text, /\d{5,}/, `${what}: no raw byte counts or timestamps (${text})`);
  assert.doesNotMatch(text, /undefined|null|NaN|\[object/, `${what}: no leaked values (${text})`);
}

describe('the content-drive card follows a drive from insertion to "Safe to remove"', { timeout: 120_000 }, () => {
  let built: Awaited<ReturnType<typeof buildTestPanel>>;
  let rig: PanelRig;

  before(async () => {
    built = await buildTestPanel();
    rig = await startRig({ webRoot: built.webRoot, seats: 40 });
  });
  after(async () => {
    await rig?.stop();
    await built?.remove();
  });

  it('shows the name, progress in files and size, the time left, a stop in words with what to do, and "Safe to remove"', async () => {
    const page = await rig.page();
    const card = page.locator(`[data-testid="content-drive"][data-drive="drive:${LABEL}"]`);
    try {
      assert.equal(await page.getByTestId('content-drives').count(), 0, 'no card while no drive is in');

      publish(rig, drive({}));
      let text = await cardText(card, 'inserted', /Drive found/);
      assert.match(text, /Content drive CABIN-DEC/);
      assert.match(text, /Drive found: checking it\./);

      publish(rig, drive({ state: 'verifying', message: 'Checking the drive’s signature.' }));
      await cardText(card, 'verifying', /Checking the drive’s signature/);

      // A big copy: a quarter done, 13 minutes to go.
      const big = { state: 'copying' as const, catalogVersion: '2026-12', filesTotal: 480, bytesTotal: 12_800_000_000, bytesPerSecond: 12_000_000, message: 'Copying 120 of 480 files (3.2 GB of 12.8 GB), about 13 min left' };
      publish(rig, drive({ ...big, filesDone: 120, bytesDone: 3_200_000_000, etaSeconds: 754 }));
      text = await cardText(card, 'copying', /120 of 480 files/);
      assert.match(text, /Copying — do not remove/);
      assert.match(text, /Content drive CABIN-DEC · catalog 2026-12/);
      assert.match(text, /120 of 480 files · 3\.2 GB of 13 GB · about 13 min left/);
      assert.equal(await card.getByRole('progressbar', { name: 'Copied' }).getAttribute('aria-valuenow'), '25');
      assert.equal((text.match(/120 of 480/g) ?? []).length, 1, 'the progress is said once, not again in the message');
      assertNoRawNumbers(text, 'copying');
      await page.screenshot({ path: `${SCREENSHOTS}drive-copying.png` });

      // A small drive in kB, and a short wait in seconds (never "0 MB of 1 MB").
      publish(rig, drive({ state: 'copying', catalogVersion: '2026-12b', filesDone: 2, filesTotal: 5, bytesDone: 350_000, bytesTotal: 800_000, etaSeconds: 42 }));
      text = await cardText(card, 'copying', /2 of 5 files/);
      assert.match(text, /2 of 5 files · 350 kB of 800 kB · about 42 s left/);

      // The library's disk is full: what happened, and what to do about it.
      publish(
        rig,
        drive({
          ...big,
          state: 'failed',
          filesDone: 300,
          bytesDone: 8_000_000_000,
          message: 'not enough space: the library’s disk is full. 300 of 480 files are safely on board; insert the drive again to continue where it stopped.',
          error: { code: 'no-space', message: 'not enough space: the library’s disk is full' },
        }),
      );
      text = await cardText(card, 'failed', /Copying stopped/);
      assert.match(text, /Not enough space: the library’s disk is full\. 300 of 480 files are safely on board/, 'the message starts as a sentence');
      assert.doesNotMatch(text, /no-space/, 'no error code');
      assert.equal(await card.getByRole('progressbar').count(), 0, 'no progress bar once stopped');
      assertNoRawNumbers(text, 'failed');

      // A damaged file: the feature says what is wrong; the card adds what to do.
      publish(
        rig,
        drive({
          ...big,
          state: 'failed',
          filesDone: 479,
          message: '"movies/f1.ts" does not match its SHA-256 in the manifest. 479 of 480 files are safely on board; catalog 2026-12 was not published.',
          error: { code: 'corrupt', message: '"movies/f1.ts" does not match its SHA-256 in the manifest' },
        }),
      );
      text = await cardText(card, 'failed', /damaged/);
      assert.match(text, /catalog 2026-12 was not published\.\s+The drive’s content is damaged: remove it and use another copy of the content drive\./);
      await page.screenshot({ path: `${SCREENSHOTS}drive-failed.png` });
      await assertSideRoom(page, '1280x800, a long error');
      // The card has little room beside the calls: its headline shows, the advice is a scroll away within it.
      const advice = card.getByText('The drive’s content is damaged', { exact: false });
      await advice.scrollIntoViewIfNeeded();
      assert.equal(await page.evaluate(() => document.querySelector('.cabin-actions')!.getBoundingClientRect().bottom <= document.querySelector('.side')!.getBoundingClientRect().bottom + 0.5), true, 'scrolling the card moves only the card');

      // Pulled mid-copy: red, with how to resume.
      const pulled = 'Drive removed before copying finished: 479 of 480 files are safely on board. Insert it again to continue where it stopped.';
      publish(rig, drive({ ...big, state: 'removed', filesDone: 479, message: pulled, error: { code: 'drive-removed', message: pulled } }));
      text = await cardText(card, 'removed', /Drive removed/);
      assert.match(text, /Insert it again to continue where it stopped\./);
      assert.equal(await card.evaluate((el) => el.classList.contains('drive-bad')), true, 'a drive pulled early is shown as trouble');

      // Inserted again: the rest is copied, then the big "Safe to remove".
      publish(rig, drive({ ...big, filesDone: 480, filesTotal: 480, bytesDone: 12_800_000_000, filesCopied: 1, filesReused: 479, safeToRemove: true, etaSeconds: 0, state: 'safe-to-remove', message: 'Done: safe to remove the drive.' }));
      await page.getByTestId('safe-to-remove').filter({ hasText: '✓ Safe to remove' }).waitFor(WAIT);
      text = await card.innerText();
      assert.match(text, /480 files on board \(479 were already there\)\./);
      assert.doesNotMatch(text, /do not remove|stopped|Drive removed/);
      assertNoRawNumbers(text, 'safe to remove');
      const colours = await card.evaluate((el) => [getComputedStyle(el).borderTopColor, getComputedStyle(el.querySelector('[data-testid="safe-to-remove"]')!).color]);
      assert.deepEqual(colours, ['rgb(61, 220, 132)', 'rgb(61, 220, 132)'], 'green, the panel’s "good" colour, on the dark panel');
      await page.screenshot({ path: `${SCREENSHOTS}drive-safe.png` });

      // Something that is not a drive: the device's own words and "remove it", never "drive".
      const kb = 'A USB keyboard was plugged into the head-end and refused. Remove it: only signed content drives are used.';
      publish(rig, drive({ id: 'drive:usb-1-2', name: 'usb-1-2', state: 'refused', usbDevice: true, label: null, devname: null, message: 'Not used: a USB keyboard is not allowed.', error: { code: 'usb-hid', message: 'a USB keyboard is not allowed' }, alert: kb }));
      const device = page.locator('[data-testid="content-drive"][data-drive="drive:usb-1-2"]');
      text = await cardText(device, 'refused', /This device cannot be used/);
      assert.match(text, /USB device 1-2/);
      assert.ok(text.includes(kb), text);
      await page.context().close();
    } catch (e) {
      await page.screenshot({ path: `${SCREENSHOTS}drive-FAILED.png` }).catch(() => undefined);
      throw e;
    }
  });

  it('at 1024x600 the card fits the side and the calls keep their room', async () => {
    const page = await rig.page({ width: 1024, height: 600 });
    try {
      const stale = page.locator('[data-drive="drive:OLD-CONTENT-2026-NOV"]');
      // A refused drive with a long label, then a copy: the copy is the newest card and the only one shown.
      publish(rig, drive({ id: 'drive:OLD-CONTENT-2026-NOV', name: 'OLD-CONTENT-2026-NOV', state: 'refused', message: 'this drive (catalog 2026-11, packed 2026-11-02) is older than the content on board (catalog 2026-12, packed 2026-12-01); nothing was copied', error: { code: 'stale', message: 'older' }, safeToRemove: true, alert: null }));
      const text = await cardText(stale, 'refused', /This drive cannot be used/);
      assert.match(text, /This drive \(catalog 2026-11, packed 2026-11-02\) is older than the content on board .*nothing was copied\.\s+Remove it: the content on board is newer\./s);
      publish(rig, drive({ state: 'copying', catalogVersion: '2026-12', filesDone: 120, filesTotal: 480, bytesDone: 3_200_000_000, bytesTotal: 12_800_000_000, etaSeconds: 754 }));
      await page.locator('[data-testid="content-drive"][data-state="copying"]').waitFor(WAIT);

      for (const s of CALLERS) rig.sim.seat(s)!.pressCall();
      await page.locator('.alert.kind-call').nth(CALLERS.length - 1).waitFor(WAIT);
      await page.screenshot({ path: `${SCREENSHOTS}1024x600-drives.png` });

      // Boxes measured in the page, judged here (a helper inside evaluate would not survive the test's transpiling).
      type R = { top: number; bottom: number; left: number; right: number; height: number };
      const m = await page.evaluate(() => {
        const first = document.querySelector('[data-testid="content-drive"]')!;
        const cards = Array.from(document.querySelectorAll('[data-testid="content-drive"]'));
        const calls = Array.from(document.querySelectorAll('.alert.kind-call'));
        const named = [document.querySelector('.side')!, document.querySelector('.content-drives')!, first.querySelector('.drive-headline')!, first.querySelector('[data-testid="drive-progress"]')!, document.querySelector('.alert-list')!, document.querySelector('.cabin-actions')!];
        const [side, drives, newest, progress, alertList, cabinActions, ...rest] = [...named, ...cards, ...calls].map((el) => {
          const r = el.getBoundingClientRect();
          return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height };
        });
        return {
          screen: { top: 0, left: 0, bottom: innerHeight, right: innerWidth, height: innerHeight },
          side: side!,
          drives: drives!,
          newest: newest!,
          progress: progress!,
          alertList: alertList!,
          cabinActions: cabinActions!,
          cards: rest.slice(0, cards.length).map((r, i) => ({ ...r, spills: cards[i]!.scrollWidth > cards[i]!.clientWidth + 1 })),
          calls: rest.slice(cards.length),
        };
      });
      const within = (r: R, ...outer: R[]) => r.height > 0 && outer.every((o) => r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5 && r.left >= o.left - 0.5 && r.right <= o.right + 0.5);
      const layout = {
        newestHeadline: within(m.newest, m.drives, m.side, m.screen),
        newestProgress: within(m.progress, m.drives, m.side, m.screen),
        spillsSideways: m.cards.some((c) => c.spills || c.right > m.side.right + 0.5),
        cabinActions: within(m.cabinActions, m.screen),
        calls: m.calls.filter((c) => within(c, m.alertList, m.screen)).length,
      };
      assert.equal(layout.newestHeadline, true, 'the newest drive’s "Copying — do not remove" is in view');
      assert.equal(layout.newestProgress, true, 'and its progress (files, size, time left)');
      assert.equal(layout.spillsSideways, false, 'no card spills sideways (long names wrap)');
      assert.equal(layout.cabinActions, true, 'the drive cards do not push the cabin actions off the screen');
      await assertSideRoom(page, '1024x600');
      assert.ok(layout.calls >= 3, `at least three calls fully in view beside the drive cards (saw ${layout.calls})`);
      // The older cards are counted, not shown, on a short screen (the Systems dialog lists every drive).
      assert.equal(await stale.isVisible(), false);
      assert.equal(await page.getByTestId('drive-more').innerText(), '2 more drives in Systems');
      for (const s of CALLERS) rig.sim.seat(s)!.releaseCall();
    } catch (e) {
      await page.screenshot({ path: `${SCREENSHOTS}1024x600-drives-FAILED.png` }).catch(() => undefined);
      throw e;
    }
  });
});
