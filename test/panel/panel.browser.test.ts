import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { buildTestPanel, CREW_PIN, SCREENSHOTS, startRig, TECH_PIN, type PanelRig } from './harness.js';

const WAIT = { timeout: 20_000 };

async function enterPin(page: Page, pin: string, byTouch = false): Promise<void> {
  const pad = page.locator('.pin-pad');
  const press = (l: Locator) => (byTouch ? l.tap() : l.click());
  for (const d of pin) await press(pad.getByRole('button', { name: d, exact: true }));
  await press(page.getByRole('button', { name: 'Log in', exact: true }).last());
}

/** How many of the given seats show a tone now. */
function countTone(page: Page, seats: string[], tone: string): Promise<number> {
  return page.evaluate(([ids, t]) => (ids as string[]).filter((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') === t).length, [seats, tone] as const);
}

async function waitTone(page: Page, seats: string[], tone: string): Promise<void> {
  await page.waitForFunction(
    ([ids, t]) => (ids as string[]).every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') === t),
    [seats, tone] as const,
    WAIT,
  );
}

const seatsOfRows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => [...'ABCDEF'].map((l) => `${from + i}${l}`)).flat();
const ALL = seatsOfRows(1, 50);
/** The sizes the crew's flows are tapped through at: the design size and a common small cabin panel. */
const CREW_SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 600 },
];
/** Pressed in this order, so the first waits longest. */
const CALLERS = ['44F', '9B', '27D'];

/** The newest command's seq in the controller, before an action. */
async function lastSeq(url: string): Promise<number> {
  const { commands } = (await (await fetch(`${url}/api/v1/commands`)).json()) as { commands: { seq: number }[] };
  return Math.max(0, ...commands.map((c) => c.seq));
}

/** The "Sent to seats" card of the first `cmd` sent after `seq`: this action's card, not an earlier size's. */
async function deliveryAfter(page: Page, cmd: string, seq: number): Promise<Locator> {
  const handle = await page.waitForFunction(
    ([c, after]) => {
      const seqs = Array.from(document.querySelectorAll(`.delivery[data-cmd="${c}"]`)).map((e) => Number(e.getAttribute('data-seq'))).filter((n) => n > after);
      return seqs.length ? Math.min(...seqs) : null;
    },
    [cmd, seq] as const,
    WAIT,
  );
  return page.locator(`.delivery[data-seq="${await handle.jsonValue()}"]`);
}

describe('crew panel in Chromium', { timeout: 240_000 }, () => {
  let rig: PanelRig;
  let page: Page;
  let removeBuild: () => Promise<void>;

  before(async () => {
    const built = await buildTestPanel();
    removeBuild = built.remove;
    rig = await startRig({ webRoot: built.webRoot });
    page = await rig.page();
  });

  after(async () => {
    await rig?.stop();
    await removeBuild?.();
  });

  it('shows all 300 seats at once on 1280x800, with zones, aisles and row numbers, live from the seats', async () => {
    await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);
    const boxes = await page.locator('[data-seat]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom, r.width, r.height]));
    assert.equal(boxes.length, 300);
    for (const [l, t, r, b, w, h] of boxes as number[][]) {
      assert.ok(l! >= 0 && t! >= 0 && r! <= 1280 && b! <= 800, 'every seat is on screen without scrolling');
      assert.ok(w! >= 28 && h! >= 28, `a seat is big enough to tap (${w}x${h})`);
    }
    assert.equal(await countTone(page, ALL, 'offline'), 0);
    assert.deepEqual(await page.locator('.zone-tag').allTextContents(), ['J', 'Y', 'Y', 'Y']);
    assert.equal(await page.locator('.row-head').count(), 50);
    assert.equal(await page.locator('.block .aisle').count(), 3 + 50, 'one aisle in each block header and in every row');
    assert.deepEqual(rig.foreign, [], 'the page loads nothing from outside the controller');
  });

  it('refuses a wrong PIN and logs the crew in with the right one', async () => {
    await page.getByTestId('login').click();
    await enterPin(page, '1111');
    await page.getByRole('alert').filter({ hasText: 'That PIN is not right.' }).waitFor(WAIT);
    await page.screenshot({ path: `${SCREENSHOTS}login.png` });
    await enterPin(page, CREW_PIN);
    await page.getByTestId('logout').filter({ hasText: 'Crew' }).waitFor(WAIT);
    assert.equal(await page.locator('.pin-pad').count(), 0, 'the PIN pad closes');
  });

  it('shows a passenger call at once, chimes, shows how long they wait, and lets the crew acknowledge and clear it', async () => {
    const tones = () => page.evaluate(() => (window as unknown as { tones: number }).tones);
    const before = await tones();
    rig.sim.seat('23C')!.pressCall();
    const row = page.locator('[data-alert^="call-23C-"]');
    await row.waitFor(WAIT);
    await page.locator('[data-seat="23C"][data-tone="call"]').waitFor(WAIT);
    await page.locator('[data-testid="calls"].flash').filter({ hasText: '23C' }).waitFor(WAIT);
    assert.match(await row.innerText(), /Call 23C\s+waiting 0:\d\d/);
    assert.equal((await tones()) - before, 2, 'the two-tone attendant chime played (the page was touched before, so sound is allowed)');

    await row.getByRole('button', { name: 'Ack' }).click();
    await page.locator('[data-alert^="call-23C-"].acked').waitFor(WAIT);
    assert.match(await row.innerText(), /ack by crew/);
    assert.equal(await page.locator('[data-testid="calls"].flash').count(), 0, 'an acknowledged call stops flashing');

    await page.getByTestId('calls').click();
    await page.getByRole('dialog').getByText('Seat 23C').waitFor(WAIT);
    await page.getByRole('dialog').getByText('Call waiting').waitFor(WAIT);
    await page.getByRole('dialog').getByText('Call button pressed').waitFor(WAIT);
    await page.screenshot({ path: `${SCREENSHOTS}seat-detail.png` });
    await page.locator('[data-action="clear-call"]').click();
    await row.waitFor({ state: 'detached', ...WAIT });
    await page.getByRole('dialog').getByText('The call light is still on at the seat').waitFor(WAIT);
    await page.getByRole('button', { name: 'Close' }).click();
    assert.equal(await page.locator('[data-seat="23C"]').getAttribute('data-tone'), 'answered', 'cleared, but the light is on at the seat: not shown as no call');
    const book = (await (await fetch(`${rig.tc.url}/api/v1/alerts`)).json()) as { alerts: unknown[] };
    assert.deepEqual(book.alerts, [], 'cleared in the controller, not just on this page');
    rig.sim.seat('23C')!.releaseCall();
    await page.locator('[data-seat="23C"][data-tone="playing"], [data-seat="23C"][data-tone="idle"]').waitFor(WAIT);
  });

  it('lists offline seats and faults, and the map marks them', async () => {
    rig.sim.seat('41D')!.goSilent(600_000);
    rig.sim.seat('12B')!.raiseFault('DISK_SMART', 'error');
    await page.locator('[data-seat="41D"][data-tone="offline"]').waitFor(WAIT);
    await page.locator('[data-seat="12B"][data-tone="fault"]').waitFor(WAIT);
    await page.locator('[data-alert^="offline-41D-"]').waitFor(WAIT);
    await page.locator('[data-alert^="fault-12B-DISK_SMART-"]').waitFor(WAIT);
    rig.sim.seat('4A')!.pressCall();
    await page.locator('[data-seat="4A"][data-tone="call"]').waitFor(WAIT);
    await page.screenshot({ path: `${SCREENSHOTS}map.png` });
    rig.sim.seat('4A')!.releaseCall();
    rig.sim.seat('41D')!.goSilent(0);
    rig.sim.seat('12B')!.clearFault('DISK_SMART');
    await page.locator('[data-alert^="call-4A-"]').waitFor({ state: 'detached', ...WAIT });
    await page.locator('[data-alert^="offline-41D-"]').waitFor({ state: 'detached', ...WAIT });
    await page.locator('[data-alert^="fault-12B-"]').waitFor({ state: 'detached', ...WAIT });
  });

  it('lets crew reboot one frozen seat, after a second tap; a technician sees the same', async () => {
    await page.locator('[data-seat="30A"]').click();
    await page.getByRole('dialog').waitFor(WAIT);
    await page.locator('[data-action="reboot"]').click();
    await page.getByRole('button', { name: 'Tap again to reboot' }).click();
    const deadline = Date.now() + 20_000;
    type Sent = { cmd: string; target: { seats?: string[] }; issuer: string };
    let sent: Sent | undefined;
    while (!sent && Date.now() < deadline) {
      const h = (await (await fetch(`${rig.tc.url}/api/v1/commands?cmd=seat.reboot`, { headers: { authorization: `Bearer ${rig.tc.controller.config.api.token}` } })).json()) as { commands: Sent[] };
      sent = h.commands.find((c) => c.target.seats?.[0] === '30A');
      if (!sent) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(sent?.issuer, 'panel:crew', 'issued once, by the crew, for that seat only');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('logout').click();
    await page.getByTestId('login').click();
    await enterPin(page, TECH_PIN);
    await page.getByTestId('logout').filter({ hasText: 'Technician' }).waitFor(WAIT);
    await page.locator('[data-seat="30A"]').click();
    await page.locator('[data-action="reboot"]').waitFor(WAIT);
    await page.getByRole('button', { name: 'Close' }).click();
  });

  // The crew's flows, tapped through at each cabin-panel size, in the one Chromium launched above: a page per size.
  for (const size of CREW_SIZES) {
    const tag = `${size.width}x${size.height}`;
    describe(`crew flows by taps at ${tag}`, () => {
      let page: Page;
      before(async () => {
        page = await rig.page(size);
        await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);
        await page.getByTestId('login').tap();
        await enterPin(page, CREW_PIN, true);
        await page.getByTestId('logout').filter({ hasText: 'Crew' }).waitFor(WAIT);
      });
      after(() => page?.context().close());

      it('answers the oldest of three calls first: the top bar opens the passenger waiting longest, then the next', async () => {
        for (const s of CALLERS) {
          rig.sim.seat(s)!.pressCall();
          await page.locator(`[data-alert^="call-${s}-"]`).waitFor(WAIT);
        }
        await page.getByTestId('calls').filter({ hasText: `${CALLERS.length} calls` }).waitFor(WAIT);
        assert.deepEqual(await page.locator('.alert.kind-call').evaluateAll((els) => els.map((e) => e.getAttribute('data-alert-seat'))), CALLERS, 'the list puts the longest wait first');
        for (const [i, s] of CALLERS.entries()) {
          await page.getByTestId('calls').tap();
          const dialog = page.getByRole('dialog');
          await dialog.getByText(`Seat ${s}`).waitFor(WAIT);
          await dialog.getByText('Call waiting').waitFor(WAIT);
          if (i === 0) {
            await dialog.getByRole('button', { name: 'Ack', exact: true }).tap();
            await dialog.getByText('ack by crew').waitFor(WAIT);
          }
          await dialog.locator('[data-action="clear-call"]').tap();
          await page.locator(`[data-alert^="call-${s}-"]`).waitFor({ state: 'detached', ...WAIT });
          await dialog.getByRole('button', { name: 'Close' }).tap();
          await dialog.waitFor({ state: 'detached', ...WAIT });
          rig.sim.seat(s)!.releaseCall();
        }
        assert.equal(await page.locator('.alert.kind-call').count(), 0, 'every call answered');
        assert.equal(await page.getByTestId('calls').isDisabled(), true, 'no call left to open');
      });

      it('locks zone J: rows 1-5 turn locked after their next poll, and the delivery shows until done', async (t) => {
        if (!rig.hasCommands) return t.skip('needs the seat-command feature (src/commands/feature.ts: commandsFeature) for POST /api/v1/commands');
        const seq = await lastSeq(rig.tc.url);
        await page.locator('[data-action="lock"]').tap();
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await page.getByRole('button', { name: 'Lock', exact: true }).tap();
        const card = await deliveryAfter(page, 'seat.lock', seq);
        assert.match(await card.innerText(), /Lock · Zone J/);
        await waitTone(page, seatsOfRows(1, 5), 'locked');
        await card.and(page.locator('[data-state="delivered"]')).waitFor(WAIT);
        assert.match(await card.innerText(), /Done: all 30 seats/);
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-lock-zone-j.png` });
        assert.equal(await countTone(page, seatsOfRows(6, 50), 'locked'), 0, 'zone Y is not locked');

        await page.locator('[data-action="lock"]').tap();
        await page.getByRole('radio', { name: /Zone J/ }).tap();
        await page.getByRole('button', { name: 'Unlock', exact: true }).tap();
        await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') !== 'locked'), seatsOfRows(1, 5), WAIT);
      });

      it('the PA button turns every seat to PA, and back', async (t) => {
        if (!rig.hasCommands) return t.skip('needs the seat-command feature (src/commands/feature.ts: commandsFeature) for POST /api/v1/commands');
        await page.getByRole('button', { name: /Start cabin PA/ }).tap();
        await waitTone(page, ALL, 'pa');
        await page.getByTestId('pa-status').filter({ hasText: '300 seats' }).waitFor(WAIT);
        await page.getByRole('button', { name: /End cabin PA/ }).waitFor(WAIT);
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-pa.png` });
        await page.getByRole('button', { name: /End cabin PA/ }).tap();
        await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute('data-tone') !== 'pa'), ALL, WAIT);
        await page.getByRole('button', { name: /Start cabin PA/ }).waitFor(WAIT);
      });

      it('sends a message to a zone and a volume limit to the cabin, each showing its delivery until done', async (t) => {
        if (!rig.hasCommands) return t.skip('needs the seat-command feature (src/commands/feature.ts: commandsFeature) for POST /api/v1/commands');
        const seq = await lastSeq(rig.tc.url);
        await page.locator('[data-action="message"]').tap();
        await page.getByRole('radio', { name: /Zone Y/ }).tap();
        await page.screenshot({ path: `${SCREENSHOTS}${tag}-message-dialog.png` });
        await page.getByRole('button', { name: 'Meal service will begin shortly.' }).tap();
        const message = await deliveryAfter(page, 'message.show', seq);
        assert.match(await message.innerText(), /Message “Meal service will begin shortly\.” · Zone Y/);
        await message.and(page.locator('[data-state="delivered"]')).waitFor(WAIT);
        assert.match(await message.innerText(), /Done: all 270 seats/);

        // Urgent applies to a ready-made message, and a whole-cabin message asks first.
        const messages = async () => ((await (await fetch(`${rig.tc.url}/api/v1/commands`)).json()) as { commands: { seq: number; cmd: string; args: { level?: string } }[] }).commands.filter((c) => c.cmd === 'message.show');
        const sentBefore = (await messages()).length;
        await page.locator('[data-action="message"]').tap();
        await page.getByRole('radio', { name: /Urgent/ }).tap();
        await page.getByRole('button', { name: 'Meal service will begin shortly.' }).tap();
        await page.getByRole('alertdialog').filter({ hasText: 'every screen in the cabin (300 seats)' }).waitFor(WAIT);
        assert.equal((await messages()).length, sentBefore, 'nothing is sent to the cabin before the crew confirms');
        await page.locator('[data-action="confirm-message"]').tap();
        await page.getByRole('dialog').waitFor({ state: 'detached', ...WAIT });
        const sent = await messages();
        assert.equal(sent.length, sentBefore + 1);
        assert.equal(sent.sort((a, b) => b.seq - a.seq)[0]!.args.level, 'urgent', 'the preset went at the level the crew chose');

        const beforeVolume = await lastSeq(rig.tc.url);
        await page.locator('[data-action="volume"]').tap();
        await page.getByRole('button', { name: 'Lower' }).tap();
        await page.getByRole('button', { name: 'Lower' }).tap();
        await page.getByRole('button', { name: 'Limit to 5' }).tap();
        const volume = await deliveryAfter(page, 'volume.cap', beforeVolume);
        await volume.and(page.locator('[data-state="delivered"]')).waitFor(WAIT);
        assert.match(await volume.innerText(), /Volume max 5 · Whole cabin[\s\S]*Done: all 300 seats/);
      });

      if (size.height === 600) {
        it('a seat with a fault: the detail says what it means and what to do, and the code stays on one line', async () => {
          rig.sim.seat('15C')!.raiseFault('SCREEN_BACKLIGHT', 'error');
          await page.locator('[data-seat="15C"][data-tone="fault"]').waitFor(WAIT);
          await page.locator('[data-seat="15C"]').tap();
          const fault = page.getByRole('dialog').locator('[data-fault="SCREEN_BACKLIGHT"]');
          await fault.waitFor(WAIT);
          const text = await fault.innerText();
          assert.match(text, /Screen backlight/);
          assert.match(text, /The screen is dark or dim although the seat is running\./);
          assert.match(text, /What to do: Offer another seat if one is free; a technician replaces the display at the next stop\./);
          await fault.locator('.fault-code').scrollIntoViewIfNeeded();
          const code = await fault.locator('.fault-code').evaluate((el) => {
            // Lines of text the code is drawn on, wherever the layout puts it (no named function: tsx would wrap it in __name).
            const range = document.createRange();
            range.selectNodeContents(el);
            const box = el.closest('.dialog')!.getBoundingClientRect();
            const r = el.getBoundingClientRect();
            const seen = { text: el.textContent, lines: new Set(Array.from(range.getClientRects()).map((x) => Math.round(x.top))).size, inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 };
            // Squeezed to half its own width (a narrower panel, a longer title before it), it still must not break inside the word.
            const item = el.closest('li')!;
            item.style.width = `${Math.floor(r.width / 2)}px`;
            const squeezed = new Set(Array.from(range.getClientRects()).map((x) => Math.round(x.top))).size;
            item.style.width = '';
            return { ...seen, squeezed };
          });
          assert.deepEqual(code, { text: 'SCREEN_BACKLIGHT', lines: 1, inside: true, squeezed: 1 }, 'SCREEN_BACKLIGHT on one line, inside the dialog, even squeezed');
          await page.screenshot({ path: `${SCREENSHOTS}${tag}-fault-detail.png` });
          await page.getByRole('dialog').getByRole('button', { name: 'Close' }).tap();
          rig.sim.seat('15C')!.clearFault('SCREEN_BACKLIGHT');
          await page.locator('[data-alert^="fault-15C-"]').waitFor({ state: 'detached', ...WAIT });
        });
      }
    });
  }
});
