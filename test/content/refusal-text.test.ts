import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyDevice } from '../../hardware/usb/classify.js';
import { parseMonitorOutput } from '../../hardware/usb/monitor-parser.js';
import { refusalText } from '../../src/content/refusal-text.js';
import { fixture } from '../hardware/usb/fixtures.js';

describe('the crew’s sentence for a refused USB device', () => {
  it('reads plainly for each refusal the classifier makes of the USB fixtures', () => {
    const texts = parseMonitorOutput(fixture('synthetic-usb-devices.txt'))
      .events.map((ev) => ({ ev, v: classifyDevice(ev, { allowedFilesystems: ['ext4', 'exfat'], requireUsb: true }) }))
      .flatMap(({ ev, v }) => (v.kind === 'refused' ? [refusalText({ usbDevice: ev.subsystem === 'usb', name: ev.idFsLabel ?? ev.devpath.split('/').pop()! }, v.reason)] : []));
    assert.deepEqual(texts, [
      'A USB keyboard was plugged into the head-end and refused. Remove it: only signed content drives are used.',
      'A USB drive (HOLIDAY) was plugged into the head-end and refused: unsupported filesystem vfat (use ext4 or exfat).',
      'A USB CD or DVD drive was plugged into the head-end and refused. Remove it: only signed content drives are used.',
      'A USB drive (sdd1) was plugged into the head-end and refused: encrypted drives are not supported (crypto_LUKS).',
      'A USB camera or scanner was plugged into the head-end and refused. Remove it: only signed content drives are used.',
    ]);
  });

  it('says why a drive was refused after reading it, with one full stop', () => {
    assert.equal(
      refusalText({ usbDevice: false, name: 'MOVIES' }, 'this drive has no purser-content.json at its root: it was not packed for Purser'),
      'A USB drive (MOVIES) was plugged into the head-end and refused: this drive has no purser-content.json at its root: it was not packed for Purser.',
    );
    assert.match(refusalText({ usbDevice: false, name: 'X' }, 'bad signature.'), /refused: bad signature\.$/);
  });

  it('never throws and always names the refusal, whatever the reason and name', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.string(), fc.string(), (usbDevice, name, reason) => {
        const t = refusalText({ usbDevice, name }, reason);
        assert.match(t, /was plugged into the head-end and refused/);
      }),
    );
  });
});
