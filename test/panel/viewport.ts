/**
 * The checks a touchscreen of a given size must pass, shared by one browser
 * test file per size (1024x600, 1280x800, 1920x1080) so each stays short:
 * calls are never hidden by "Sent to seats", every dialog fits or scrolls with
 * its title and Close in view, every touch target is at least 32 px, and
 * neither the legend nor the top bar is clipped.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { buildTestPanel, CREW_PIN, SCREENSHOTS, startRig, type PanelRig } from './harness.js';

const WAIT = { timeout: 20_000 };
export const MIN_TARGET = 32;
const CALLERS = ['3A', '7C', '12D', '18F', '26B', '33E', '41A', '47D'];

type Box = { sel: string; l: number; t: number; r: number; b: number; w: number; h: number };

/** Every button a finger could reach now (displayed, not inside a closed scroll area), with its box. */
function buttonBoxes(page: Page, within = 'body'): Promise<Box[]> {
  return page.evaluate((root) => {
    const out: Box[] = [];
    for (const el of Array.from(document.querySelector(root)!.querySelectorAll('button, [role="radio"], textarea'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const name = (el as HTMLElement).dataset.seat ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName;
      out.push({ sel: name, l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height });
    }
    return out;
  }, within);
}

async function assertTargets(page: Page, within: string, what: string): Promise<void> {
  const small = (await buttonBoxes(page, within)).filter((b) => b.w < MIN_TARGET - 0.5 || b.h < MIN_TARGET - 0.5);
  assert.deepEqual(small.map((b) => `${b.sel} ${b.w.toFixed(0)}x${b.h.toFixed(0)}`), [], `${what}: every touch target is at least ${MIN_TARGET} px`);
}

/** Is the element's centre on top at its place (not covered, not scrolled out of its box, on screen)? */
function onTop(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + Math.min(r.height / 2, 20);
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (el === hit || el.contains(hit));
  }, selector);
}

async function assertNotClipped(page: Page, container: string, items: string, what: string): Promise<void> {
  const bad = await page.evaluate(
    ([c, i]) => {
      const box = document.querySelector(c)!.getBoundingClientRect();
      const right = Math.min(box.right, innerWidth);
      const bottom = Math.min(box.bottom, innerHeight);
      return Array.from(document.querySelectorAll(i))
        .map((el) => [el.textContent?.trim() ?? '', el.getBoundingClientRect()] as const)
        .filter(([, r]) => r.right > right + 0.5 || r.bottom > bottom + 0.5 || r.left < box.left - 0.5 || r.top < box.top - 0.5)
        .map(([t]) => t);
    },
    [container, items] as const,
  );
  assert.deepEqual(bad, [], `${what}: nothing clipped`);
}

/** The open dialog fits the screen, its title and Close are in view, and its body scrolls to its last control. */
async function assertDialogFits(page: Page, name: string, size: { width: number; height: number }): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor(WAIT);
  const r = (await dialog.boundingBox())!;
  assert.ok(r.y >= 0 && r.x >= 0 && r.y + r.height <= size.height + 0.5 && r.x + r.width <= size.width + 0.5, `${name}: the dialog fits the screen (${JSON.stringify(r)})`);
  assert.ok(await onTop(page, '.dialog-head h2'), `${name}: its title is in view`);
  assert.ok(await onTop(page, '.dialog-head [aria-label="Close"]'), `${name}: Close is in view`);
  // Scroll the body to its end: the last control must then be reachable.
  const last = await page.evaluate(() => {
    const body = document.querySelector('.dialog-body')!;
    body.scrollTop = body.scrollHeight;
    const all = Array.from(body.querySelectorAll('button, textarea')).filter((b) => b.getBoundingClientRect().height > 0);
    const el = all.at(-1);
    if (!el) return null;
    el.setAttribute('data-last-control', '');
    return el.textContent?.trim() ?? '';
  });
  if (last !== null) {
    await page.locator('[data-last-control]').scrollIntoViewIfNeeded();
    assert.ok(await onTop(page, '[data-last-control]'), `${name}: its last control ("${last}") can be reached`);
    await page.evaluate(() => document.querySelector('[data-last-control]')?.removeAttribute('data-last-control'));
  }
  await assertTargets(page, '.dialog', name);
}

async function enterPin(page: Page, pin: string): Promise<void> {
  const pad = page.locator('.pin-pad');
  for (const d of pin) await pad.getByRole('button', { name: d, exact: true }).click();
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
}

/** Five crew actions from the page's own session, and two from a technician's token (shown apart). */
async function sendCommands(rig: PanelRig, page: Page): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const status = await page.evaluate(async (n) => {
      const res = await fetch('/api/v1/commands', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ target: { seats: [`${30 + n}B`] }, cmd: 'volume.cap', args: { max: 5 + n } }) });
      return res.status;
    }, i);
    assert.equal(status, 201);
  }
  const token = rig.tc.controller.ctx.config.api.token!;
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${rig.tc.url}/api/v1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ target: { seats: [`${40 + i}C`] }, cmd: 'seat.unlock', args: { reason: 'technician' } }),
    });
    assert.equal(res.status, 201, await res.text());
  }
}

/** One screen size, start to end: returns the test body for node:test. */
export function viewportSuite(size: { width: number; height: number }) {
  const tag = `${size.width}x${size.height}`;
  return async () => {
    const built = await buildTestPanel();
    const rig = await startRig({ webRoot: built.webRoot });
    const page = await rig.page(size);
    try {
      await page.locator('[data-testid="online"]').filter({ hasText: '300/300 online' }).waitFor(WAIT);

      // Seats: every one a touch target; the whole cabin on screen where it fits, else the map scrolls.
      const seats = await buttonBoxes(page, '.seat-map');
      assert.equal(seats.length, 300);
      await assertTargets(page, '.seat-map', `${tag} seat map`);
      const mapScrolls = await page.evaluate(() => {
        const m = document.querySelector('.seat-map')!;
        return m.scrollHeight > m.clientHeight + 1;
      });
      if (size.height >= 800) assert.equal(mapScrolls, false, `${tag}: all 300 seats fit without scrolling`);
      else assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.seat-map')!).overflowY), 'auto', `${tag}: the map scrolls rather than shrink seats`);

      // The login dialog (PIN pad) fits, and logging in works by taps.
      await page.getByTestId('login').click();
      await assertDialogFits(page, `${tag} login`, size);
      await enterPin(page, CREW_PIN);
      await page.getByTestId('logout').waitFor(WAIT);
      const logoutBox = (await page.getByTestId('logout').boundingBox())!;
      assert.ok(logoutBox.height <= 48, `${tag}: "Log out" stays on one line (${logoutBox.height} px high)`);

      // Eight waiting passengers and five deliveries: the calls keep their room.
      if (rig.hasCommands) await sendCommands(rig, page);
      for (const s of CALLERS) rig.sim.seat(s)!.pressCall();
      await page.locator('.alert.kind-call').nth(CALLERS.length - 1).waitFor(WAIT);
      if (rig.hasCommands) await page.locator('[data-list="crew"] .delivery').nth(3).waitFor(WAIT);
      if (rig.hasCommands) await page.locator('[data-list="other"] .delivery').nth(1).waitFor(WAIT);
      const fullyShown = await page.evaluate(() => {
        const list = document.querySelector('.alert-list')!.getBoundingClientRect();
        return Array.from(document.querySelectorAll('.alert.kind-call')).filter((el) => {
          const r = el.getBoundingClientRect();
          return r.top >= list.top - 0.5 && r.bottom <= list.bottom + 0.5 && r.bottom <= innerHeight;
        }).length;
      });
      assert.ok(fullyShown >= 3, `${tag}: at least three calls fully in view beside the deliveries (saw ${fullyShown})`);
      for (let i = 0; i < CALLERS.length; i++) {
        const row = page.locator('.alert.kind-call').nth(i);
        await row.scrollIntoViewIfNeeded();
        const id = await row.getAttribute('data-alert');
        assert.ok(await onTop(page, `[data-alert="${id}"] .alert-main`), `${tag}: call ${i + 1} can be scrolled to and tapped`);
      }
      await assertTargets(page, '.app', `${tag} main screen`);
      await assertNotClipped(page, '.legend', '.legend-item', `${tag} legend`);
      await assertNotClipped(page, '.top-bar', '.top-bar > *', `${tag} top bar`);
      await page.screenshot({ path: `${SCREENSHOTS}${tag}-calls.png` });

      // The seat detail, then its message composer (the 780 px dialog of old).
      await page.locator('.alert.kind-call .alert-main').first().click();
      await assertDialogFits(page, `${tag} seat detail`, size);
      await page.locator('[data-action="message-seat"]').click();
      await page.locator('.dialog .message-form').waitFor(WAIT);
      await assertDialogFits(page, `${tag} seat detail with the message form`, size);
      await page.screenshot({ path: `${SCREENSHOTS}${tag}-seat-message.png` });
      await page.getByRole('button', { name: 'Close' }).click();

      for (const which of ['message', 'lock', 'media', 'volume']) {
        await page.locator(`[data-action="${which}"]`).click();
        await assertDialogFits(page, `${tag} ${which} dialog`, size);
        await page.getByRole('button', { name: 'Close' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached', ...WAIT });
      }
      await page.getByTestId('systems').click();
      await assertDialogFits(page, `${tag} systems dialog`, size);
      await page.getByRole('button', { name: 'Close' }).click();
      for (const s of CALLERS) rig.sim.seat(s)!.releaseCall();
    } catch (e) {
      await page.screenshot({ path: `${SCREENSHOTS}${tag}-FAILED.png` }).catch(() => undefined);
      throw e;
    } finally {
      await rig.stop();
      await built.remove();
    }
  };
}
