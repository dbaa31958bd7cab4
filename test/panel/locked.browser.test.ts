import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { buildTestPanel, CHROMIUM_ARGS, CREW_PIN, panelPins } from './harness.js';

const WAIT = { timeout: 20_000 };

/** Where cabin state needs a session (http.readAccess: session, the default off loopback), the panel asks for the PIN first. */
describe('the panel where cabin state needs a login', () => {
  let tc: TestController;
  let browser: Browser;
  let built: Awaited<ReturnType<typeof buildTestPanel>>;
  before(async () => {
    built = await buildTestPanel();
    tc = await startTestController({ http: { host: '127.0.0.1', port: 0, readAccess: 'session' }, panel: await panelPins() }, [panelFeature({ webRoot: built.webRoot })]);
    await postPoll(tc.url, pollBody('7B', { inputs: { call: { on: true, sinceMs: 2000 } } }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await tc?.stop();
    await built?.remove();
  });

  it('shows the PIN prompt instead of an endless splash, then the live cabin with its waiting call', async () => {
    assert.equal((await fetch(`${tc.url}/api/v1/seats`)).status, 401, 'cabin state is not public here');
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(tc.url);
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Log in to see the cabin.').waitFor(WAIT);
    for (const d of CREW_PIN) await dialog.getByRole('button', { name: d, exact: true }).click();
    await dialog.getByRole('button', { name: 'Log in', exact: true }).last().click();
    await page.locator('[data-seat="7B"][data-tone="call"]').waitFor(WAIT);
    await page.locator('[data-conn="live"]').waitFor(WAIT);
  });
});
