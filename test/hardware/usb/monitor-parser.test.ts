import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseMonitorOutput, UdevMonitorParser } from '../../../hardware/usb/monitor-parser.js';
import { fixture } from './fixtures.js';

const summary = (evs: { action: string; devname: string | undefined; idFsType: string | undefined }[]) =>
  evs.map((e) => `${e.action} ${e.devname} ${e.idFsType ?? '-'}`);

describe('udevadm monitor parser: recorded output', () => {
  it('reads a real ext4 partition being plugged and unplugged', () => {
    const { events, stats } = parseMonitorOutput(fixture('monitor-ext4-partition.txt'));
    assert.deepEqual(summary(events), [
      'change /dev/loop0 -',
      'change /dev/loop0 -',
      'add /dev/loop0p1 ext4',
      'remove /dev/loop0p1 ext4',
      'change /dev/loop0 -',
      'change /dev/loop0 -',
    ]);
    assert.deepEqual({ malformed: stats.malformed, ignored: stats.ignored, listening: stats.listening }, { malformed: 0, ignored: 1, listening: true });
    const add = events[2]!;
    assert.equal(add.devpath, '/devices/virtual/block/loop0/loop0p1');
    assert.equal(add.devtype, 'partition');
    assert.equal(add.subsystem, 'block');
    assert.equal(add.idFsLabel, 'PURSER-EXT4');
    assert.match(add.idFsUuid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(add.idBus, undefined, 'loop devices are not on USB');
    assert.equal(typeof add.seqnum, 'number');
    assert.equal(add.props.get('ID_PART_ENTRY_TYPE'), '0x83');
  });

  it('reads exFAT, swap and a whole-disk filesystem', () => {
    const exfat = parseMonitorOutput(fixture('monitor-exfat-partition.txt')).events.find((e) => e.action === 'add')!;
    assert.equal(exfat.idFsType, 'exfat');
    assert.equal(exfat.idFsLabel, 'PURSER-EXF');
    const { events } = parseMonitorOutput(fixture('monitor-swap-and-whole-disk.txt'));
    assert.equal(events.find((e) => e.action === 'add')?.idFsType, 'swap');
    const whole = events.find((e) => e.devname === '/dev/loop0' && e.idFsType === 'ext4')!;
    assert.equal(whole.action, 'change');
    assert.equal(whole.devtype, 'disk');
    assert.equal(whole.idFsLabel, 'PURSER-WHOLE');
  });

  it('gives the same events however the bytes are chunked', () => {
    const text = Buffer.from(fixture('monitor-exfat-partition.txt') + fixture('monitor-ext4-partition.txt'));
    const whole = summary(parseMonitorOutput(text).events);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 40 }), (cuts) => {
        const p = new UdevMonitorParser();
        const got = [];
        let prev = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          got.push(...p.push(text.subarray(prev, c)));
          prev = c;
        }
        got.push(...p.push(text.subarray(prev)), ...p.end());
        assert.deepEqual(summary(got), whole);
        assert.equal(p.stats.malformed, 0);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a UTF-8 label whole when a chunk splits a character', () => {
    const text = Buffer.from('UDEV  [1.0] add      /devices/x/sda1 (block)\nACTION=add\nDEVPATH=/devices/x/sda1\nID_FS_LABEL=Fl\u00fcge \u2708\n\n');
    const at = text.indexOf(0xc3) + 1; // inside the two bytes of "ü"
    const p = new UdevMonitorParser();
    const evs = [...p.push(text.subarray(0, at)), ...p.push(text.subarray(at)), ...p.end()];
    assert.equal(evs[0]?.idFsLabel, 'Fl\u00fcge \u2708');
  });

  it('stores hostile property names as plain keys', () => {
    const text = 'UDEV  [1.0] add      /devices/x/sda1 (block)\nACTION=add\nDEVPATH=/devices/x/sda1\n__proto__=polluted\nconstructor=x\nhasOwnProperty=1\nID_FS_TYPE=ext4\n\n';
    const [ev] = parseMonitorOutput(text).events;
    assert.equal(ev?.props.get('__proto__'), 'polluted');
    assert.equal(ev?.props.get('constructor'), 'x');
    assert.equal(ev?.idFsType, 'ext4');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(ev), Object.prototype);
  });

  it('counts and skips malformed blocks, and parses the valid ones after them', () => {
    const good = fixture('monitor-ext4-partition.txt');
    const garbage = 'this is not an event\nKEY=VALUE\n\nUDEV  [abc] add\n\n=novalue\n\n' + 'x'.repeat(40_000) + '\n\n';
    const { events, stats } = parseMonitorOutput(garbage + good);
    assert.equal(events.length, 6);
    assert.equal(stats.malformed, 4);
  });

  it('recovers when a header follows garbage with no blank line in between', () => {
    const { events, stats } = parseMonitorOutput('garbage line\n' + fixture('monitor-ext4-partition.txt').split('\n\n').slice(2).join('\n\n'));
    assert.equal(stats.malformed, 1);
    assert.equal(events.filter((e) => e.action === 'add').length, 1);
  });
});

describe('udevadm monitor parser: fuzz', () => {
  const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'ACTION', 'DEVPATH', 'ID_FS_TYPE');
  const line = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.tuple(hostileKey, fc.string({ maxLength: 20 })).map(([k, v]) => `${k}=${v}`),
    fc.constantFrom('UDEV  [1.5] add      /devices/a/b (block)', 'KERNEL[2.0] remove   /devices/a (block)', '', 'UDEV - the event which udev sends out'),
  );
  const stream = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    fc.array(line, { maxLength: 40 }).map((ls) => Buffer.from(ls.join('\n'))),
  );

  it('never throws on any bytes in any chunking, and still parses a valid block after them', () => {
    const valid = 'UDEV  [9.9] add      /devices/virtual/block/loop7/loop7p1 (block)\nACTION=add\nDEVPATH=/devices/virtual/block/loop7/loop7p1\nSUBSYSTEM=block\nDEVNAME=/dev/loop7p1\nID_FS_TYPE=exfat\n\n';
    fc.assert(
      fc.property(stream, fc.array(fc.nat({ max: 2100 }), { maxLength: 10 }), (bytes, cuts) => {
        const p = new UdevMonitorParser();
        let prev = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          p.push(bytes.subarray(prev, Math.min(c, bytes.length)));
          prev = Math.min(c, bytes.length);
        }
        p.push(bytes.subarray(prev));
        // Whatever came before, a blank line and a valid block must parse.
        const evs = [...p.push('\n\n' + valid), ...p.end()];
        const last = evs.at(-1);
        assert.equal(last?.devname, '/dev/loop7p1');
        assert.equal(last?.idFsType, 'exfat');
        for (const e of evs) assert.ok(e.props instanceof Map);
      }),
      { numRuns: 500 },
    );
  });
});
