import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { buildTestPanel, CHROMIUM_ARGS, CREW_PIN, panelPins, SCREENSHOTS, TECH_PIN } from './harness.js';

const WAIT = { timeout: 20_000 };

async function enterPin(page: Page, pin: string): Promise<void> {
  const pad = page.locator('.pin-pad');
  for (const d of pin) await pad.getByRole('button', { name: d, exact: true }).click();
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
}

/**
 * A unit claiming a seat another unit holds (a swapped or a compromised unit,
 * docs/protocol.md "LRU moves"): the crew sees the alert and the claim, and
 * only a technician confirms it, from the seat's detail.
 */
describe('the panel shows a held LRU move and a technician decides it', { timeout: 120_000 }, () => {
  let tc: TestController;
  let browser: Browser;
  let built: Awaited<ReturnType<typeof buildTestPanel>>;
  const newUnit = { serial: 'GP3-40B', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:01:2c' };

  before(async () => {
    built = await buildTestPanel();
    tc = await startTestController({ panel: await panelPins() }, [panelFeature({ webRoot: built.webRoot })]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await tc?.stop();
    await built?.remove();
  });

  it('alerts, shows the claim to the crew without the decision, and a technician’s confirm fits the new unit', async () => {
    const reg = tc.controller.ctx.registry;
    assert.equal((await postPoll(tc.url, pollBody('40A'))).status, 200);
    assert.equal((await postPoll(tc.url, pollBody('40B'))).status, 200);
    // 40B's unit polls as 40A, whose own unit is online: held.
    assert.equal((await postPoll(tc.url, pollBody('40A', { seq: 2, lru: newUnit }))).body.error?.code, 'MOVE_PENDING');

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true })).newPage();
    await page.goto(tc.url);
    const alert = page.locator('[data-alert^="move-40A-"]');
    await alert.filter({ hasText: '40A unit claim held' }).waitFor(WAIT);
    assert.match(await alert.innerText(), /Seat 40A: unit GP3-40B claims it; it is held by GP3-40A\. GP3-40B is installed at seat 40B\. A technician must confirm or reject\./);
    assert.equal(await alert.getByRole('button', { name: 'Clear' }).count(), 0, 'a held move is not cleared by the crew');

    // The crew, logged in, opens the seat from the alert: the claim, with no way to decide it.
    await page.getByTestId('login').click();
    await enterPin(page, CREW_PIN);
    await page.getByTestId('logout').waitFor(WAIT);
    await alert.locator('.alert-main').click();
    const claim = page.locator('[data-testid="move-claim"][data-serial="GP3-40B"]');
    await claim.waitFor(WAIT);
    const text = await claim.innerText();
    assert.match(text, /Unit GP3-40B claims this seat: held/);
    assert.match(text, /Since \d\d:\d\d:\d\d/);
    assert.match(text, /This seat's unit: GP3-40A, answering when the claim came/);
    assert.match(text, /GP3-40B is installed at seat 40B/);
    const confirm = claim.locator('[data-action="confirm-move"]');
    assert.equal(await confirm.isDisabled(), true, 'crew cannot confirm');
    assert.equal(await claim.locator('[data-action="reject-move"]').isDisabled(), true, 'crew cannot reject');
    await claim.getByTestId('technician-only').filter({ hasText: 'Technician only' }).waitFor(WAIT);

    // A technician's PIN, from the claim itself; then Confirm asks once more before it goes.
    await claim.locator('[data-action="technician-login"]').click();
    await page.getByText('Confirming or rejecting a unit move needs a technician PIN.').waitFor(WAIT);
    await enterPin(page, TECH_PIN);
    await page.waitForFunction(() => !(document.querySelector('[data-action="confirm-move"]') as HTMLButtonElement | null)?.disabled, undefined, WAIT);
    await confirm.click();
    await confirm.filter({ hasText: 'Tap again: fit GP3-40B here' }).waitFor(WAIT);
    await page.screenshot({ path: `${SCREENSHOTS}move-confirm.png` });
    assert.equal(reg.pendingMoves()[0]?.decision, null, 'nothing decided on the first tap');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/moves/40A/confirm'), WAIT);
    await confirm.click();
    await claim.filter({ hasText: 'Confirmed by technician' }).waitFor(WAIT);
    assert.equal(reg.pendingMoves()[0]?.decision?.kind, 'confirmed');
    // The decision carried an Idempotency-Key: the same POST again (an answer lost, a retry) is the first answer replayed.
    const key = (await sent).headers()['idempotency-key'];
    assert.match(key ?? '', /^[0-9a-f]{32}$/);
    const retry = await page.evaluate(async (k) => {
      const r = await fetch('/api/v1/moves/40A/confirm', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': k }, body: JSON.stringify({ serial: 'GP3-40B' }) });
      return { status: r.status, replayed: r.headers.get('idempotent-replayed') };
    }, key!);
    assert.deepEqual(retry, { status: 200, replayed: 'true' });
    await alert.waitFor({ state: 'detached', ...WAIT });

    // The unit's next poll from 40A installs it; the seat's detail follows.
    assert.equal((await postPoll(tc.url, pollBody('40A', { seq: 3, lru: newUnit }))).status, 200);
    const dialog = page.getByRole('dialog');
    await dialog.locator('dd').filter({ hasText: 'GP3-40B · gp3' }).waitFor(WAIT);
    await claim.waitFor({ state: 'detached', ...WAIT });
    await dialog.getByText('Unit GP3-40B fitted (was GP3-40A)').waitFor(WAIT);
    await dialog.getByText('Unit GP3-40B confirmed here by technician').waitFor(WAIT);
    await dialog.getByText('Unit GP3-40B claimed this seat (held by GP3-40A): held for a technician').waitFor(WAIT);
    assert.equal(await page.locator('[data-alert^="move-"]').count(), 0);
    assert.equal(reg.get('40A')?.lru?.serial, 'GP3-40B');
  });
});
