import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { TsChecker } from '../../../protocols/mpeg-ts/checker.js';
import { crc32Mpeg2 } from '../../../protocols/mpeg-ts/psi.js';
import { makeTestClip } from '../../../src/channels/test-clips.js';

let dir = '';
let clip: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-ts-'));
  clip = await readFile(await makeTestClip({ dir, seconds: 2 }));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function packets(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 188 <= bytes.length; at += 188) out.push(bytes.subarray(at, at + 188));
  return out;
}

function check(datagrams: Uint8Array[]): ReturnType<TsChecker['stats']> {
  const c = new TsChecker();
  for (const d of datagrams) c.push(d);
  return c.stats();
}

/** 7 packets a datagram, as VLC and ffmpeg send over UDP. */
function datagrams(ps: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < ps.length; i += 7) out.push(Buffer.concat(ps.slice(i, i + 7)));
  return out;
}

/** A packet on `pid` with counter `cc`; afc 1 payload, 2 adaptation only, 3 both. */
function packet(pid: number, cc: number, afc = 1, discontinuity = false): Buffer {
  const p = Buffer.alloc(188, 0xff);
  p[0] = 0x47;
  p[1] = (pid >> 8) & 0x1f;
  p[2] = pid & 0xff;
  p[3] = (afc << 4) | cc;
  if (afc >= 2) {
    p[4] = afc === 2 ? 183 : 1;
    p[5] = discontinuity ? 0x80 : 0;
  }
  return p;
}

test('an ffmpeg MPEG-TS file reads as PAT, PMT, no sync or continuity errors', () => {
  const s = check(datagrams(packets(clip)));
  assert.equal(s.packets, clip.length / 188);
  assert.equal(s.bytes, clip.length);
  assert.equal(s.syncErrors, 0);
  assert.equal(s.ccErrors, 0);
  assert.equal(s.sawPat, true);
  assert.equal(s.sawPmt, true);
  assert.ok(s.pids >= 3, `pids ${s.pids}`); // PAT, PMT, video, audio
});

test('each packet lost from the middle of a PES stream counts one continuity error', () => {
  const ps = packets(clip);
  const videoPid = ((ps[200]![1]! & 0x1f) << 8) | ps[200]![2]!;
  const victims = ps.map((p, i) => ({ p, i })).filter(({ p }) => (((p[1]! & 0x1f) << 8) | p[2]!) === videoPid && (p[3]! & 0x10) !== 0);
  const drop = new Set([victims[50]!.i, victims[120]!.i]);
  const s = check(datagrams(ps.filter((_, i) => !drop.has(i))));
  assert.equal(s.ccErrors, 2);
});

test('one duplicate is allowed, a third copy is an error; adaptation-only packets keep the counter', () => {
  assert.equal(check([packet(100, 3), packet(100, 3), packet(100, 4)]).ccErrors, 0);
  assert.equal(check([packet(100, 3), packet(100, 3), packet(100, 3)]).ccErrors, 1);
  assert.equal(check([packet(100, 3), packet(100, 3, 2), packet(100, 4)]).ccErrors, 0);
  assert.equal(check([packet(100, 3), packet(100, 4, 2)]).ccErrors, 1);
  assert.equal(check([packet(100, 15), packet(100, 0)]).ccErrors, 0);
  assert.equal(check([packet(100, 3), packet(100, 9, 3, true), packet(100, 10)]).ccErrors, 0);
  assert.equal(check([packet(100, 3), packet(0x1fff, 9), packet(100, 4)]).ccErrors, 0);
});

test('bad sync bytes and ragged datagrams are sync errors, the rest still counted', () => {
  const bad = packet(100, 1);
  bad[0] = 0x48;
  const s = check([Buffer.concat([packet(100, 0), bad, packet(100, 1)]), Buffer.alloc(100, 0x47)]);
  assert.equal(s.syncErrors, 2);
  assert.equal(s.packets, 2);
  assert.equal(s.bytes, 188 * 3 + 100);
});

test('a PAT with a wrong CRC is not taken for a PAT', () => {
  const pat = packets(clip).find((p) => p[1] === 0x40 && p[2] === 0)!;
  const broken = Buffer.from(pat);
  broken[12] = broken[12]! ^ 0xff;
  assert.equal(check([broken]).sawPat, false);
  assert.equal(check([pat]).sawPat, true);
});

test('CRC-32/MPEG-2 check value', () => {
  assert.equal(crc32Mpeg2(Buffer.from('123456789')), 0x0376e6e7);
});

test('fuzz: arbitrary datagrams and mutated real ones never throw, counters stay sane', () => {
  const ps = packets(clip);
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 1400 }), fc.tuple(fc.nat(ps.length - 8), fc.nat(1315), fc.nat(255)).map(([i, at, v]) => {
        const d = Buffer.concat(ps.slice(i, i + 7));
        d[at] = v;
        return d;
      })), { maxLength: 30 }),
      (ds) => {
        const s = check(ds);
        assert.ok(s.packets * 188 <= s.bytes);
        assert.ok(s.pids <= 64);
      },
    ),
    { numRuns: 400 },
  );
});
