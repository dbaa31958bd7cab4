import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { buildTestPanel, CREW_PIN, SCREENSHOTS, startRig, type PanelRig } from './harness.js';

const WAIT = { timeout: 30_000 };

describe('crew panel across a controller restart', { timeout: 180_000 }, () => {
  let rig: PanelRig;
  let page: Page;
  let removeBuild: () => Promise<void>;

  before(async () => {
    const built = await buildTestPanel();
    removeBuild = built.remove;
    rig = await startRig({ webRoot: built.webRoot, seats: 60 });
    page = await rig.page();
    await page.locator('[data-conn="live"]').waitFor(WAIT);
  });

  after(async () => {
    await rig?.stop();
    await removeBuild?.();
  });

  it('shows that it is reconnecting, comes back by itself without a reload, and still shows the waiting call', async () => {
    await page.getByTestId('login').click();
    for (const d of CREW_PIN) await page.locator('.pin-pad').getByRole('button', { name: d, exact: true }).click();
    await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
    await page.getByTestId('logout').waitFor(WAIT);
    rig.sim.seat('5C')!.pressCall();
    await page.locator('[data-alert^="call-5C-"]').waitFor(WAIT);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    await rig.restart(3000, async () => {
      await page.getByTestId('reconnecting').waitFor(WAIT);
      assert.equal(await page.locator('[data-conn="reconnecting"]').count(), 1);
      await page.screenshot({ path: `${SCREENSHOTS}reconnecting.png` });
    });

    await page.locator('[data-conn="live"]').waitFor(WAIT);
    await page.getByTestId('reconnecting').waitFor({ state: 'detached', ...WAIT });
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded');
    await page.locator('[data-alert^="call-5C-"]').waitFor(WAIT);
    assert.match(await page.locator('[data-alert^="call-5C-"]').innerText(), /waiting \d+:\d\d/, 'the call kept its waiting time across the restart');
    // Sessions live in the controller's memory: after a restart the panel asks for the PIN again.
    await page.getByTestId('login').waitFor(WAIT);
    // And it is live again, not a stale picture: a new call shows.
    rig.sim.seat('6A')!.pressCall();
    await page.locator('[data-seat="6A"][data-tone="call"]').waitFor(WAIT);
  });
});
