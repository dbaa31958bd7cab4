import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseMountinfo, readMountinfo, unescapeMountinfo } from '../../../hardware/usb/mountinfo.js';
import { fixture } from './fixtures.js';

describe('mountinfo parser', () => {
  it('reads a recorded table with a read-only ext4 at a path with a space and a FUSE exFAT', () => {
    const { mounts, malformed } = parseMountinfo(fixture('mountinfo-ro-mounts.txt'));
    assert.equal(malformed, 0);
    const ext4 = mounts.find((m) => m.fsType === 'ext4' && m.source === '/dev/loop0p1');
    assert.equal(ext4?.mountPoint, '/tmp/usbx/with space');
    assert.deepEqual(ext4?.mountOptions, ['ro', 'nosuid', 'nodev', 'noexec', 'relatime']);
    assert.deepEqual(ext4?.superOptions, ['ro', 'norecovery']);
    const fuse = mounts.find((m) => m.fsType === 'fuseblk');
    assert.equal(fuse?.source, '/dev/loop1p1');
    assert.ok(fuse?.mountOptions.includes('noexec'));
    assert.equal(mounts.find((m) => m.mountPoint === '/')?.parentId !== undefined, true);
  });

  it('undoes octal escapes, including UTF-8 bytes escaped one by one', () => {
    assert.equal(unescapeMountinfo('/a\\040b\\011c\\012d\\134e'), '/a b\tc\nd\\e');
    assert.equal(unescapeMountinfo('/m\\303\\274'), '/m\u00fc');
    assert.equal(unescapeMountinfo('/trailing\\'), '/trailing\\');
    assert.equal(unescapeMountinfo('/not\\999'), '/not\\999');
  });

  it('reads optional fields before the separator', () => {
    const { mounts } = parseMountinfo('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue\n');
    assert.deepEqual(mounts[0]?.optionalFields, ['master:1', 'shared:7']);
    assert.equal(mounts[0]?.fsType, 'ext3');
  });

  it('parses this process\'s real mount table', async () => {
    const mounts = await readMountinfo();
    assert.ok(mounts.some((m) => m.mountPoint === '/'));
  });

  it('never throws on arbitrary input, and a good line after garbage still parses (fuzz)', () => {
    const good = '99 1 7:0 / /mnt/x\\040y ro,nosuid - ext4 /dev/loop0 ro';
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'))), (junk) => {
        const { mounts } = parseMountinfo(junk + '\n' + good + '\n');
        assert.equal(mounts.at(-1)?.mountPoint, '/mnt/x y');
      }),
      { numRuns: 500 },
    );
  });
});
