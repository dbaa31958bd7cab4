import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { contentFeature } from '../../src/content/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { buildTestPanel } from '../panel/harness.js';
import { FakeUdevadm, monitorBlocks, removeBlock } from './fake-udevadm.js';

/**
 * Something that is not a content drive plugged into the head-end: the
 * controller's real `udevadm monitor` child (a stand-in udevadm that prints
 * udev blocks, this machine having no USB hardware), the real parser,
 * classifier and drive manager, and the alert book read over the real
 * alerts API, as the crew's panel reads it.
 */
const blocks = monitorBlocks('synthetic-usb-devices.txt');
const byModel = (re: RegExp) => [...blocks.values()].find((b) => re.test(b))!;
const keyboard = byModel(/ID_MODEL=USB_Keyboard/);
const stick = [...blocks.values()].filter((b) => /ID_MODEL=Cruzer_Blade/.test(b)); // its disk, then its vfat partition
const cdrom = byModel(/ID_CDROM=1/);

describe('a refused USB device is an alert for the crew', () => {
  let udevadm: FakeUdevadm;
  let webRoot: string;
  let removeBuild: () => Promise<void>;
  let tc: TestController;
  let auth: Record<string, string>;
  const features = () => [commandsFeature(), contentFeature(), panelFeature({ webRoot })];
  const config = () => ({ content: { enabled: true, udevadm: udevadm.path } });
  const usbAlerts = async () => ((await (await fetch(`${tc.url}/api/v1/alerts`)).json()) as { alerts: Alert[] }).alerts.filter((a) => a.kind === 'usb');

  async function until(what: string, cond: (alerts: Alert[]) => boolean, ms = 15_000): Promise<Alert[]> {
    const end = Date.now() + ms;
    for (;;) {
      const list = await usbAlerts();
      if (cond(list)) return list;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; usb alerts: ${JSON.stringify(list)}; drives: ${JSON.stringify(tc.controller.ctx.need('content').drives.drives)}`);
      await sleep(50);
    }
  }

  before(async () => {
    udevadm = await FakeUdevadm.create();
    ({ webRoot, remove: removeBuild } = await buildTestPanel());
    tc = await startTestController(config(), features());
    auth = { authorization: `Bearer ${tc.controller.config.api.token}` };
    assert.equal(tc.controller.ctx.need('content').status().monitor?.detail, 'listening');
  });
  after(async () => {
    await tc?.stop();
    await removeBuild?.();
    await udevadm?.cleanup();
  });

  it('opens one alert per device, in plain words, and closes it when the device is pulled', async () => {
    await udevadm.emit(keyboard, ...stick);
    const list = await until('the keyboard and the stick', (l) => l.length === 2);
    const kb = list.find((a) => a.code === 'drive:usb-1-2');
    assert.ok(kb, `the keyboard's alert: ${JSON.stringify(list)}`);
    assert.equal(kb.text, 'A USB keyboard was plugged into the head-end and refused. Remove it: only signed content drives are used.');
    assert.equal(kb.priority, 'high');
    assert.equal(kb.seat, '');
    const holiday = list.find((a) => a.code === 'drive:HOLIDAY')!;
    assert.equal(holiday.text, 'A USB drive (HOLIDAY) was plugged into the head-end and refused: unsupported filesystem vfat (use ext4 or exfat).');
    assert.equal(tc.controller.ctx.entities.get('drive:usb-1-2')?.name, 'USB device 1-2');

    // The keyboard heard again (a replayed event) is the same device: still one alert. The CD drive after it is a new one.
    await udevadm.emit(keyboard, cdrom);
    const three = await until('the CD drive', (l) => l.some((a) => /CD or DVD/.test(a.text ?? '')));
    assert.equal(three.filter((a) => a.code === 'drive:usb-1-2').length, 1);
    assert.equal(three.length, 3);

    await udevadm.emit(removeBlock(keyboard, 9001));
    const left = await until('the keyboard’s alert closed', (l) => !l.some((a) => a.code === 'drive:usb-1-2'));
    assert.deepEqual(left.map((a) => a.code).sort(), ['drive:HOLIDAY', 'drive:sr1']);
  });

  it('is cleared when the crew acknowledge it', async () => {
    const holiday = (await usbAlerts()).find((a) => a.code === 'drive:HOLIDAY')!;
    const anon = await fetch(`${tc.url}/api/v1/alerts/${holiday.id}/ack`, { method: 'POST' });
    assert.equal(anon.status, 401, 'only the crew may');
    const r = await fetch(`${tc.url}/api/v1/alerts/${holiday.id}/ack`, { method: 'POST', headers: auth });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { alert: null }, 'no longer open');
    assert.deepEqual((await usbAlerts()).map((a) => a.code), ['drive:sr1']);
  });

  it('after a restart: a device pulled meanwhile leaves no alert, one still plugged in alerts again', async () => {
    // The CD drive went while the controller was down; the keyboard was plugged in meanwhile.
    await udevadm.plugged(keyboard);
    const port = Number(new URL(tc.url).port);
    await tc.stop({ keepState: true });
    tc = await startTestController({ ...config(), http: { host: '127.0.0.1', port } }, features(), tc.stateDir);
    const list = await until('the keyboard found at start', (l) => l.some((a) => a.code === 'drive:usb-1-2'));
    assert.deepEqual(list.map((a) => a.code), ['drive:usb-1-2'], 'the CD drive’s alert went with it');
  });
});
