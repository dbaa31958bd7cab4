import assert from 'node:assert/strict';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { channelsFeature } from '../../src/channels/feature.js';
import type { SafetyStatus } from '../../src/channels/safety-video.js';
import { makeTestClip } from '../../src/channels/test-clips.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { paFeature } from '../../src/pa/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { playPa } from '../../src/sim/pa-player.js';
import { Simulator } from '../../src/sim/simulator.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { readableTempDir } from '../channels/helpers.js';
import { buildTestPanel, CHROMIUM_ARGS, CREW_PIN, panelPins, SCREENSHOTS } from './harness.js';

// The real VLC, the real PA detector, 6 simulated seats and Chromium, in one controller.
// This file owns 239.255.35.1-2 and 239.255.35.10 (port 5000) and the PA group 239.255.35.20.
const G = { news: '239.255.35.1:5000', films: '239.255.35.2:5000', safety: '239.255.35.10:5000' };
const PA_GROUP = '239.255.35.20';
const SEATS = 6;
const WAIT = { timeout: 20_000 };

async function until<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrastRatio(c1: string, c2: string): number {
  const lum = (c: string) => {
    const [r, g, b] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [lum(c1), lum(c2)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

async function enterPin(page: Page, pin: string): Promise<void> {
  const pad = page.locator('.pin-pad');
  for (const d of pin) await pad.getByRole('button', { name: d, exact: true }).click();
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
}

describe('the panel plays the safety video, and a real PA pauses it', { timeout: 180_000 }, () => {
  let tmp: Awaited<ReturnType<typeof readableTempDir>>;
  let built: Awaited<ReturnType<typeof buildTestPanel>>;
  let tc: TestController;
  let sim: Simulator;
  let browser: Browser;
  let page: Page;
  let paPort: number;

  const safety = async (): Promise<SafetyStatus> =>
    ((await (await fetch(`${tc.url}/api/v1/safety`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as { safety: SafetyStatus }).safety;
  const seatsOn = (state: string, item?: string) =>
    tc.controller.ctx.registry.all().filter((s) => s.status === 'online' && s.media?.state === state && (item === undefined || s.media?.item === item)).length;

  before(async () => {
    tmp = await readableTempDir('purser-safety-panel-');
    const clips = join(tmp.dir, 'clips');
    const [news, films, video] = await Promise.all([
      makeTestClip({ dir: clips, seconds: 3, toneHz: 440 }),
      makeTestClip({ dir: clips, seconds: 3, toneHz: 660 }),
      // Long enough to show progress, sit out a PA and still be playing when the crew stop it.
      makeTestClip({ dir: clips, seconds: 14, toneHz: 880, name: 'safety' }),
    ]);
    await chmod(clips, 0o755);
    built = await buildTestPanel();
    const cmdPort = randomPort();
    paPort = randomPort();
    tc = await startTestController(
      {
        api: { token: TEST_TOKEN },
        panel: await panelPins(),
        cabin: { secret: TEST_SECRET, layout: { rows: 1, letters: 'ABC DEF', zones: { J: '1-1' } } },
        commands: { port: cmdPort, group: '239.255.10.1' },
        multicast: { interface: '127.0.0.1', ttl: 1 },
        vlc: { user: 'nobody', interface: '127.0.0.1' },
        channels: [
          { id: 'news', name: 'News 24', source: news, group: G.news },
          { id: 'films', name: 'Films', source: films, group: G.films },
        ],
        safety: { source: video, group: G.safety },
        pa: { hangoverMs: 400, sources: [{ name: 'cabin', group: PA_GROUP, port: paPort }] },
      },
      [commandsFeature(), paFeature(), channelsFeature(), panelFeature({ webRoot: built.webRoot })],
    );
    sim = new Simulator({ controller: tc.url, secret: Buffer.from(TEST_SECRET, 'hex'), seats: SEATS, pollIntervalMs: 300, commands: { port: cmdPort, group: '239.255.10.1', interface: '127.0.0.1' } });
    sim.start();
    await sim.joined();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOTS, { recursive: true });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true })).newPage();
    await page.goto(tc.url);
  });

  after(async () => {
    await browser?.close();
    await sim?.stop();
    await tc?.stop();
    await built?.remove();
    await tmp?.cleanup();
  });

  it('crew see the channels on air, play the safety video (confirmed), watch progress and delivery, and stop it', async () => {
    const panel = page.getByTestId('safety-panel');
    const badge = (id: string) => panel.locator(`[data-entity="${id}"] [data-state]`).first();
    // Each channel by its name, with its state in words.
    await panel.locator('[data-entity="channel:news"] [data-state="on-air"]').waitFor(WAIT);
    await panel.locator('[data-entity="channel:films"] [data-state="on-air"]').waitFor(WAIT);
    assert.match(await panel.locator('[data-entity="channel:news"]').innerText(), /News 24\s*On air/);
    assert.match(await panel.locator('[data-entity="channel:films"]').innerText(), /Films\s*On air/);
    await until('every seat online', 10_000, () => tc.controller.ctx.registry.all().filter((s) => s.status === 'online').length === SEATS);
    assert.equal(await badge('safety:safety').innerText(), 'Ready');
    assert.equal(await panel.locator('[data-action="safety-stop"]').isDisabled(), true, 'nothing to stop');

    await page.getByTestId('login').click();
    await enterPin(page, CREW_PIN);
    await page.getByTestId('logout').waitFor(WAIT);

    // Play asks first; Cancel sends nothing.
    await panel.locator('[data-action="safety-play"]').click();
    await page.getByText('Every screen in the cabin switches to the safety video from its beginning').waitFor(WAIT);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await safety()).state, 'idle', 'cancel plays nothing');
    await panel.locator('[data-action="safety-play"]').click();
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/safety/play'), WAIT);
    await page.locator('[data-action="safety-play-confirm"]').click();
    assert.match((await sent).headers()['idempotency-key'] ?? '', /^[0-9a-f]{32}$/, 'the play carries an Idempotency-Key');

    await panel.locator('[data-entity="safety:safety"] [data-state="playing"]').waitFor(WAIT);
    assert.equal(await badge('safety:safety').innerText(), 'Playing');
    assert.equal((await safety()).startedBy, 'panel:crew');
    // Who started it, by name and clock time (never a principal id or epoch ms).
    assert.match(await page.getByTestId('safety-started').innerText(), /^Started \d\d:\d\d:\d\d by crew$/);
    // Live delivery: every seat acknowledged and really receiving the stream.
    const delivery = page.getByTestId('safety-delivery');
    await delivery.filter({ hasText: `${SEATS}/${SEATS} seats receiving (100%), ${SEATS} acknowledged` }).waitFor(WAIT);
    assert.equal(seatsOn('safety', 'safety'), SEATS);
    // The bar follows VLC's position.
    const width = async () => Number((await page.getByTestId('safety-progress').getAttribute('style'))?.match(/width:\s*(\d+)%/)?.[1] ?? NaN);
    const w1 = await until('progress shown', 10_000, async () => { const w = await width(); return w > 0 && w; });
    await until('progress moving', 8000, async () => (await width()) > w1);
    await page.screenshot({ path: `${SCREENSHOTS}safety-playing.png` });

    // Stop asks too; then every seat is released and the panel says how it ended.
    await panel.locator('[data-action="safety-stop"]').click();
    await page.getByText('Every screen is released').waitFor(WAIT);
    await page.locator('[data-action="safety-stop-confirm"]').click();
    await panel.locator('[data-entity="safety:safety"] [data-state="idle"]').waitFor(WAIT);
    await panel.getByText(/^Last showing stopped by crew at \d\d:\d\d:\d\d\.$/).waitFor(WAIT);
    assert.equal(await page.getByTestId('safety-delivery').count(), 0);
    await until('every seat released', 10_000, () => sim.players.every((p) => p.model.channel === null));
  });

  it('a real PA voice during it, then the crew PA from the panel: seats go to PA, VLC holds its position, the panel says why; after each, seats and VLC resume', async () => {
    const panel = page.getByTestId('safety-panel');
    await panel.locator('[data-action="safety-play"]').click();
    await page.locator('[data-action="safety-play-confirm"]').click();
    await until('every seat on the safety video', 15_000, () => seatsOn('safety', 'safety') === SEATS);
    await until('VLC past its start', 8000, async () => (await safety()).position! > 0.05);

    // A real RTP voice on the cabin PA group, as the PA gateway sends it, for 5 s.
    const voice = playPa({ group: PA_GROUP, port: paPort, durationMs: 5000 });
    let held = NaN;
    try {
      await until('every seat on the PA', 8000, () => seatsOn('pa') === SEATS);
      await until('VLC paused for the cabin PA', 3000, async () => { const s = await safety(); return s.state === 'paused' && s.pausedFor === 'cabin' && s; });
      const banner = page.getByTestId('safety-paused');
      await banner.waitFor(WAIT);
      assert.match(await banner.innerText(), /Paused for the cabin PA: it resumes where it stopped when the PA ends\./);
      const [ink, paper] = await banner.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
      const contrast = contrastRatio(ink!, paper!);
      assert.ok(contrast >= 4.5, `the banner is readable: contrast ${contrast.toFixed(1)}:1`);
      assert.equal(await panel.locator('[data-entity="safety:safety"] [data-state]').first().innerText(), 'Paused');
      // The seats are on the PA, not "0 receiving".
      await page.getByTestId('safety-delivery').filter({ hasText: `${SEATS}/${SEATS} seats on the PA, ${SEATS} acknowledged` }).waitFor(WAIT);
      await page.screenshot({ path: `${SCREENSHOTS}safety-paused-for-pa.png` });
      // VLM's position is read once a second: two readings 1.2 s apart must agree.
      const first = (await safety()).position!;
      await new Promise((r) => setTimeout(r, 1200));
      held = (await safety()).position!;
      assert.ok(Math.abs(held - first) < 0.02, `position held during the PA: ${first} -> ${held}`);
      assert.equal(seatsOn('pa'), SEATS, 'still on the PA while the voice goes on');
    } finally {
      await voice.done;
    }

    // Silence after the voice (hang-over 400 ms): VLC resumes where it stopped (VLM's position, read each second)...
    await until('resumed', 5000, async () => { const st = await safety(); return st.state === 'playing' && st.pausedFor === null; });
    const moving = await until('position moving again', 5000, async () => { const p = (await safety()).position!; return p > held + 0.01 && p; });
    assert.ok(moving < held + 0.2, `resumed where it stopped (${held} -> ${moving}), not further on`);
    // ...and the seats are back on the safety video once its stream reaches them again.
    await until('every seat back on the safety video', 10_000, () => seatsOn('safety', 'safety') === SEATS);
    await page.getByTestId('safety-delivery').filter({ hasText: `${SEATS}/${SEATS} seats receiving (100%)` }).waitFor(WAIT);
    await page.getByTestId('safety-paused').waitFor({ state: 'detached', ...WAIT });

    // The crew's own PA from the panel (commands only, no audio the detector hears) pauses it too.
    const paButton = page.locator('[data-action="pa"]');
    await paButton.filter({ hasText: 'Start cabin PA' }).click();
    await until('every seat on the crew PA', 8000, () => seatsOn('pa') === SEATS);
    await page.getByTestId('safety-paused').waitFor(WAIT);
    const crewHeld = (await until('VLC paused for the crew PA', 3000, async () => { const st = await safety(); return st.state === 'paused' && st.pausedFor === 'cabin' && st; })).position!;
    await paButton.filter({ hasText: 'End cabin PA' }).click();
    await until('resumed after the crew PA', 5000, async () => { const st = await safety(); return st.state === 'playing' && st.pausedFor === null; });
    const after = await until('moving after the crew PA', 5000, async () => { const p = (await safety()).position!; return p > crewHeld + 0.01 && p; });
    assert.ok(after < crewHeld + 0.2, `resumed where the crew PA stopped it (${crewHeld} -> ${after})`);
    await until('every seat back on the safety video after the crew PA', 10_000, () => seatsOn('safety', 'safety') === SEATS);

    await panel.locator('[data-action="safety-stop"]').click();
    await page.locator('[data-action="safety-stop-confirm"]').click();
    await panel.locator('[data-entity="safety:safety"] [data-state="idle"]').waitFor(WAIT);
    await until('every seat released', 10_000, () => sim.players.every((p) => p.model.channel === null));
  });
});
