import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Subscription } from 'rxjs';
import type { SeatEvent } from '../../src/sim/events.js';
import { buildTestPanel, CREW_PIN, SCREENSHOTS, startRig, type PanelRig } from './harness.js';

/**
 * Issue 15, by taps on a real page at both crew screen sizes: pause every
 * passenger's film for the cabin (the simulated seats hear it by multicast),
 * resume it; a zone and a seat alone; the Lock dialog offering what applies;
 * an old message still on the Screen line.
 */
const WAIT = { timeout: 20_000 };
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
];

const tones = (page: Page, ids: string[]) => page.evaluate((list) => list.map((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') ?? ''), ids);

async function waitTone(page: Page, ids: string[], tone: string): Promise<void> {
  await page.waitForFunction(([list, t]) => (list as string[]).every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') === t), [ids, tone] as const, WAIT);
}

async function logIn(page: Page): Promise<void> {
  await page.getByTestId('login').tap();
  const pad = page.locator('.pin-pad');
  for (const d of CREW_PIN) await pad.getByRole('button', { name: d, exact: true }).tap();
  await page.getByRole('button', { name: 'Log in', exact: true }).last().tap();
  await page.getByTestId('logout').filter({ hasText: 'Crew' }).waitFor(WAIT);
}

describe('pause / resume media and the Lock dialog, in Chromium', { timeout: 300_000 }, () => {
  let rig: PanelRig;
  let removeBuild: () => Promise<void>;
  const heard: Extract<SeatEvent, { type: 'command' }>[] = [];
  let sub: Subscription;
  /** The seats whose passengers are watching something (two in three), and zone J's among them. */
  let watching: string[] = [];
  let watchingJ: string[] = [];
  const token = () => rig.tc.controller.ctx.config.api.token!;
  const sentCount = async (cmd: string) =>
    ((await (await fetch(`${rig.tc.url}/api/v1/commands?cmd=${cmd}&limit=500`, { headers: { authorization: `Bearer ${token()}` } })).json()) as { commands: unknown[] }).commands.length;

  before(async () => {
    const built = await buildTestPanel();
    removeBuild = built.remove;
    rig = await startRig({ webRoot: built.webRoot, multicast: true });
    sub = rig.sim.events$.subscribe((e) => e.type === 'command' && heard.push(e));
    watching = rig.sim.players.filter((p) => p.model.mediaState === 'playing').map((p) => p.seat);
    watchingJ = watching.filter((id) => Number.parseInt(id, 10) <= 5);
    assert.ok(watching.length > 150 && watchingJ.length > 10, `the simulated cabin watches films (${watching.length})`);
  });

  after(async () => {
    sub?.unsubscribe();
    await rig?.stop();
    await removeBuild?.();
  });

  for (const size of SIZES) {
    const tag = `${size.width}x${size.height}`;

    it(`${tag}: pauses all media for the whole cabin after a confirmation, the seats hear it by multicast, and resumes it`, async (t) => {
      if (!rig.hasCommands) return t.skip('needs the seat-command feature');
      const page = await rig.page(size);
      try {
        await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);
        await logIn(page);
        await waitTone(page, watching, 'playing');

        await page.locator('[data-action="media"]').tap();
        await page.getByTestId('media-state').filter({ hasText: `${watching.length} screens playing · 0 paused` }).waitFor(WAIT);
        const before = await sentCount('media.pause');
        const since = heard.length;
        await page.getByRole('button', { name: 'Pause all media', exact: true }).tap();
        await page.getByRole('alertdialog').filter({ hasText: 'every screen in the cabin (300 seats)' }).waitFor(WAIT);
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-pause-confirm.png` });
        assert.equal(await sentCount('media.pause'), before, 'nothing is sent to the cabin before the crew confirms');
        await page.locator('[data-action="confirm-media"]').tap();
        await page.getByRole('dialog').waitFor({ state: 'detached', ...WAIT });

        const card = page.locator('.delivery[data-cmd="media.pause"]').first();
        await card.waitFor(WAIT);
        assert.match(await card.innerText(), /Pause all media · Whole cabin/);
        await page.locator('.delivery[data-cmd="media.pause"][data-state="delivered"]').first().waitFor(WAIT);
        assert.match(await card.innerText(), /Done: all 300 seats/);
        await waitTone(page, watching, 'paused');
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-cabin-paused.png` });
        assert.equal((await tones(page, rig.sim.players.map((p) => p.seat))).filter((x) => x === 'playing').length, 0, 'no screen plays on');

        // Every seat applied it once, and it came by datagram, at once, not by waiting for a poll.
        const pauses = heard.slice(since).filter((e) => e.cmd === 'media.pause' && e.result === 'applied');
        assert.equal(new Set(pauses.map((e) => e.seat)).size, 300, 'all 300 seats applied the pause');
        assert.equal(pauses.length, 300, 'each seat once');
        const byDatagram = pauses.filter((e) => e.via === 'multicast').length;
        assert.ok(byDatagram >= 270, `the seats heard it on the multicast group (${byDatagram} of 300 by datagram)`);

        await page.locator('[data-action="media"]').tap();
        await page.getByTestId('media-state').filter({ hasText: `0 screens playing · ${watching.length} paused` }).waitFor(WAIT);
        await page.getByRole('button', { name: 'Resume media', exact: true }).tap();
        await page.locator('[data-action="confirm-media"]').tap();
        await page.locator('.delivery[data-cmd="media.resume"]').first().filter({ hasText: 'Resume media · Whole cabin' }).waitFor(WAIT);
        await waitTone(page, watching, 'playing');
        await page.locator('.delivery[data-cmd="media.resume"][data-state="delivered"]').first().filter({ hasText: 'Done: all 300 seats' }).waitFor(WAIT);
      } catch (e) {
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-media-FAILED.png` }).catch(() => undefined);
        throw e;
      } finally {
        await page.context().close();
      }
    });

    it(`${tag}: pauses one zone at once (no confirmation) and one seat from its detail`, async (t) => {
      if (!rig.hasCommands) return t.skip('needs the seat-command feature');
      const page = await rig.page(size);
      try {
        await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);
        await logIn(page);
        await page.locator('[data-action="media"]').tap();
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await page.getByTestId('media-state').filter({ hasText: `${watchingJ.length} screens playing` }).waitFor(WAIT);
        await page.getByRole('button', { name: 'Pause all media', exact: true }).tap();
        await page.getByRole('dialog').waitFor({ state: 'detached', ...WAIT });
        await page.locator('.delivery[data-cmd="media.pause"]').first().filter({ hasText: 'Pause all media · Zone J' }).waitFor(WAIT);
        await waitTone(page, watchingJ, 'paused');
        const zoneY = watching.filter((id) => !watchingJ.includes(id));
        assert.deepEqual([...new Set(await tones(page, zoneY))], ['playing'], 'zone Y plays on');
        await page.locator('[data-action="media"]').tap();
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await page.getByRole('button', { name: 'Resume media', exact: true }).tap();
        await waitTone(page, watchingJ, 'playing');

        // One seat, from its detail: Pause media while it plays, Resume media once paused.
        const one = zoneY[0]!;
        await page.locator(`[data-seat="${one}"]`).tap();
        await page.locator('[data-action="pause-seat"]').tap();
        await page.locator('[data-action="resume-seat"]').waitFor(WAIT);
        assert.equal((await tones(page, [one]))[0], 'paused');
        await page.getByRole('dialog').locator('.delivery[data-cmd="media.pause"]').filter({ hasText: `Pause all media · Seat ${one}` }).waitFor(WAIT);
        await page.locator('[data-action="resume-seat"]').tap();
        await page.locator('[data-action="pause-seat"]').waitFor(WAIT);
        await page.getByRole('button', { name: 'Close' }).tap();
        await waitTone(page, [one], 'playing');
      } finally {
        await page.context().close();
      }
    });

    it(`${tag}: the Lock dialog offers Lock when nothing is locked, Unlock when all is, and both (with how many) when mixed`, async (t) => {
      if (!rig.hasCommands) return t.skip('needs the seat-command feature');
      const page = await rig.page(size);
      const lockButton = () => page.getByRole('dialog').getByRole('button', { name: 'Lock', exact: true });
      const unlockButton = () => page.getByRole('dialog').getByRole('button', { name: 'Unlock', exact: true });
      try {
        await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);
        await logIn(page);
        await page.locator('[data-action="lock"]').tap();
        await page.getByTestId('lock-state').filter({ hasText: 'None of the 300 seats is locked.' }).waitFor(WAIT);
        assert.deepEqual([await lockButton().count(), await unlockButton().count()], [1, 0], 'nothing locked: only Lock');
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await lockButton().tap();
        const zoneJ = Array.from({ length: 5 }, (_, r) => [...'ABCDEF'].map((l) => `${r + 1}${l}`)).flat();
        await waitTone(page, zoneJ, 'locked');

        await page.locator('[data-action="lock"]').tap();
        await page.getByTestId('lock-state').filter({ hasText: '30 of 300 seats are locked.' }).waitFor(WAIT);
        assert.deepEqual([await lockButton().count(), await unlockButton().count()], [1, 1], 'mixed: both');
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-lock-mixed.png` });
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await page.getByTestId('lock-state').filter({ hasText: 'All 30 seats are locked.' }).waitFor(WAIT);
        assert.deepEqual([await lockButton().count(), await unlockButton().count()], [0, 1], 'all locked: only Unlock');
        await page.getByRole('radio', { name: /Zone Y/ }).first().tap();
        await page.getByTestId('lock-state').filter({ hasText: /None of the \d+ seats is locked\./ }).waitFor(WAIT);
        assert.deepEqual([await lockButton().count(), await unlockButton().count()], [1, 0]);
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await unlockButton().tap();
        await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') !== 'locked'), zoneJ, WAIT);
        await page.locator('[data-action="lock"]').tap();
        await page.getByTestId('lock-state').filter({ hasText: 'None of the 300 seats is locked.' }).waitFor(WAIT);
        await page.getByRole('button', { name: 'Close' }).tap();
      } finally {
        await page.context().close();
      }
    });
  }

  it('the Screen line shows an active message however many commands were sent since, also after a reload', async (t) => {
    if (!rig.hasCommands) return t.skip('needs the seat-command feature');
    const page = await rig.page();
    try {
      await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);
      await logIn(page);
      await page.locator('[data-action="message"]').tap();
      await page.getByRole('radio', { name: /Zone Y/ }).first().tap();
      await page.getByRole('button', { name: 'Duty-free sales are now open.' }).tap();
      await page.locator('.delivery[data-cmd="message.show"][data-state="delivered"]').first().waitFor(WAIT);
      // Then more commands than the page keeps in its recent list, to one seat elsewhere.
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${rig.tc.url}/api/v1/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
          body: JSON.stringify({ target: { seats: ['2A'] }, cmd: 'volume.cap', args: { max: i % 10 } }),
        });
        assert.equal(res.status, 201);
      }
      await page.locator('.delivery[data-cmd="volume.cap"]').first().filter({ hasText: 'Volume max 9' }).waitFor(WAIT);
      for (const reload of [false, true]) {
        if (reload) {
          await page.reload();
          await page.locator('[data-conn="live"]').waitFor(WAIT);
        }
        await page.locator('[data-seat="40B"]').tap();
        await page.getByTestId('screen-message').filter({ hasText: 'showing a message: “Duty-free sales are now open.”' }).waitFor(WAIT);
        await page.getByRole('button', { name: 'Close' }).tap();
      }
    } finally {
      await page.context().close();
    }
  });
});
