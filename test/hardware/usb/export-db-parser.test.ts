import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseExportDb } from '../../../hardware/usb/export-db-parser.js';
import { fixture } from './fixtures.js';

describe('udevadm info --export-db parser', () => {
  it('enumerates the block devices of a recorded database as coldplug adds', () => {
    const r = parseExportDb(fixture('export-db-block.txt'), { subsystem: 'block' });
    assert.equal(r.malformed, 0);
    assert.equal(r.filtered, 3, 'the three non-block records are passed over');
    const part = r.devices.find((d) => d.devpath === '/devices/virtual/block/loop0/loop0p1');
    assert.ok(part, 'the attached ext4 partition is listed');
    assert.deepEqual(
      { action: part.action, coldplug: part.coldplug, devname: part.devname, devtype: part.devtype, fs: part.idFsType, label: part.idFsLabel },
      { action: 'add', coldplug: true, devname: '/dev/loop0p1', devtype: 'partition', fs: 'ext4', label: 'PURSER-EXT4' },
    );
    const whole = r.devices.find((d) => d.idFsLabel === 'PURSER-WHOLE');
    assert.equal(whole?.devtype, 'disk');
    assert.ok(r.devices.every((d) => d.subsystem === 'block' && d.devname?.startsWith('/dev/')));
  });

  it('fills devname, subsystem and devtype from N:, U:, T: when a record has no E: lines', () => {
    const r = parseExportDb('P: /devices/virtual/block/loop5\nM: loop5\nU: block\nT: disk\nN: loop5\n\nP: /devices/x\nN: ../etc/passwd\nU: block\n');
    assert.equal(r.devices[0]?.devname, '/dev/loop5');
    assert.equal(r.devices[0]?.devtype, 'disk');
    assert.equal(r.devices[1]?.devname, undefined, 'a node name that climbs out of /dev is dropped');
  });

  it('counts malformed records and keeps the good ones; hostile keys stay keys', () => {
    const r = parseExportDb('garbage\n\nP: relative\nE: A=1\n\nP: /devices/ok\nU: block\nE: __proto__=x\nE: constructor=y\n\nE: NO_PATH=1\n', { subsystem: 'block' });
    assert.equal(r.malformed, 3);
    assert.equal(r.devices.length, 1);
    assert.equal(r.devices[0]?.props.get('__proto__'), 'x');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('never throws on arbitrary input (fuzz)', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.constantFrom('P', 'N', 'U', 'T', 'E', 'S', 'x'), fc.constantFrom('__proto__=1', 'constructor=2', '/devices/a', 'block', '', '=', 'A=B')).map(([k, v]) => `${k}: ${v}`),
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(line, { maxLength: 30 }).map((l) => l.join('\n')), fc.uint8Array({ maxLength: 1000 }).map((b) => Buffer.from(b).toString('utf8'))), (text) => {
        const r = parseExportDb(text + '\n\nP: /devices/good\nU: block\nE: DEVNAME=/dev/good\n', { subsystem: 'block' });
        assert.equal(r.devices.at(-1)?.devname, '/dev/good');
      }),
      { numRuns: 500 },
    );
  });
});
