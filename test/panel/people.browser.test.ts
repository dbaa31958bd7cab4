import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPin } from '../../src/auth/pin-hash.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { buildTestPanel, CHROMIUM_ARGS, SCREENSHOTS } from './harness.js';

const WAIT = { timeout: 20_000 };
const TEST_HASH = { N: 1024, r: 8, p: 1 };
const OKAFOR = { name: 'A. Okafor', pin: '314159' };
const MENSAH = { name: 'B. Mensah', pin: '271828' };
const LONG = { name: 'Maria-Fernanda Oyelaran-Castellanos de la Vega', pin: '141421' };

async function logIn(page: Page, pin: string): Promise<void> {
  await page.getByTestId('login').click();
  const pad = page.locator('.pin-pad');
  for (const d of pin) await pad.getByRole('button', { name: d, exact: true }).click();
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
}

describe('the panel names the person signed in, and who sent each action', { timeout: 120_000 }, () => {
  let tc: TestController;
  let sim: Simulator;
  let browser: Browser;
  let built: Awaited<ReturnType<typeof buildTestPanel>>;

  before(async () => {
    built = await buildTestPanel();
    const people = [
      { name: OKAFOR.name, role: 'crew', pinHash: await hashPin(OKAFOR.pin, TEST_HASH) },
      { name: MENSAH.name, role: 'crew', pinHash: await hashPin(MENSAH.pin, TEST_HASH) },
      { name: LONG.name, role: 'technician', pinHash: await hashPin(LONG.pin, TEST_HASH) },
    ];
    tc = await startTestController({ commands: { port: 20000 + Math.floor(Math.random() * 20000) }, panel: { people } }, [commandsFeature(), panelFeature({ webRoot: built.webRoot })]);
    // Zone J (rows 1-5) only: enough for a lock to be delivered, light on a shared machine.
    sim = new Simulator({ controller: tc.url, secret: Buffer.from(TEST_SECRET, 'hex'), seats: 30 });
    sim.start();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await sim?.stop();
    await tc?.stop();
    await built?.remove();
  });

  it('shows "Signed in as A. Okafor (crew)" after her PIN, "by A. Okafor" on her lock, and the next person after a change of shift', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true })).newPage();
    await page.goto(tc.url);
    await page.locator('[data-testid="online"]').filter({ hasText: '30/300 online' }).waitFor(WAIT);
    assert.equal(await page.getByTestId('signed-in').count(), 0, 'nobody is named before a login');

    await logIn(page, OKAFOR.pin);
    const who = page.getByTestId('signed-in');
    await who.filter({ hasText: 'Signed in as A. Okafor (crew)' }).waitFor(WAIT);
    assert.ok(await who.isVisible());
    assert.equal((await page.getByTestId('logout').innerText()).trim(), 'Log out');

    await page.locator('[data-action="lock"]').click();
    await page.getByRole('radio', { name: /Zone J/ }).click();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    const card = page.locator('[data-list="crew"] .delivery[data-cmd="seat.lock"]').first();
    await card.filter({ hasText: 'by A. Okafor' }).waitFor(WAIT);
    assert.match(await card.innerText(), /Lock · Zone J[\s\S]*by A\. Okafor/);
    await page.screenshot({ path: `${SCREENSHOTS}signed-in-by-name.png` });

    // Change of shift: she logs out, he logs in; her action stays hers.
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor(WAIT);
    assert.equal(await page.getByTestId('signed-in').count(), 0, 'the name goes with the session');
    await logIn(page, MENSAH.pin);
    await page.getByTestId('signed-in').filter({ hasText: 'Signed in as B. Mensah (crew)' }).waitFor(WAIT);

    // A fresh page loads the deliveries from the API: the name comes with them.
    await page.reload();
    await page.getByTestId('signed-in').filter({ hasText: 'Signed in as B. Mensah (crew)' }).waitFor(WAIT);
    await page.locator('[data-list="crew"] .delivery[data-cmd="seat.lock"]').filter({ hasText: 'by A. Okafor' }).waitFor(WAIT);
  });

  it('on a 1024x600 screen, a long name is cut short and nothing of the top bar is pushed off it', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 600 }, hasTouch: true })).newPage();
    await page.goto(tc.url);
    await page.locator('[data-testid="online"]').filter({ hasText: '30/300 online' }).waitFor(WAIT);
    await logIn(page, LONG.pin);
    const who = page.getByTestId('signed-in');
    await who.waitFor(WAIT);
    assert.equal(await who.getAttribute('title'), `Signed in as ${LONG.name} (technician)`, 'the whole name is there to read');
    const roleShown = await who.evaluate((el) => {
      const role = el.lastElementChild!.getBoundingClientRect();
      return role.width > 0 && role.right <= el.getBoundingClientRect().right + 0.5;
    });
    assert.ok(roleShown, 'the role shows after a name cut short');
    const outside = await page.evaluate(() => {
      const bar = document.querySelector('.top-bar')!.getBoundingClientRect();
      return Array.from(document.querySelectorAll('.top-bar > *'))
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.right > Math.min(bar.right, innerWidth) + 0.5 || r.left < bar.left - 0.5;
        })
        .map((el) => el.textContent);
    });
    assert.deepEqual(outside, []);
    const logout = (await page.getByTestId('logout').boundingBox())!;
    assert.ok(logout.x + logout.width <= 1024 && logout.height <= 48, `Log out on screen, on one line (${JSON.stringify(logout)})`);
    await page.screenshot({ path: `${SCREENSHOTS}signed-in-1024x600.png` });
  });
});
