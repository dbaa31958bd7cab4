import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/content/canonical.js';
import {
  DEFAULT_LIMITS, KINDS, parseContentManifest, serializeManifest, signedBytes, type ContentFile, type ContentManifest,
} from '../../src/content/manifest.js';

const SIG = Buffer.alloc(64, 7).toString('base64');
const SHA = 'a'.repeat(64);

function file(path: string, extra: Partial<ContentFile> = {}): ContentFile {
  return { path, size: 10, sha256: SHA, kind: 'movie', title: 'T', lang: 'en', ...extra };
}
function manifest(files: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: 1, catalogVersion: '2025-06', createdAt: '2025-06-01T08:00:00Z', files, signature: SIG, ...extra };
}
function refused(value: unknown, field: string | undefined, message: RegExp, limits = DEFAULT_LIMITS): void {
  const r = parseContentManifest(value, limits);
  assert.equal(r.ok, false, `expected a refusal matching ${message}`);
  if (r.ok) return;
  assert.equal(r.error.code, 'invalid');
  assert.equal(r.error.field, field);
  assert.match(r.error.message, message);
}

test('a good manifest parses from bytes, text or a value, and serializes back to the same manifest', () => {
  const value = manifest([file('movies/Heat (1995).mp4', { description: 'A heist.', durationSec: 10200, poster: 'posters/heat.jpg' }), file('posters/heat.jpg', { kind: 'other' })]);
  for (const input of [value, JSON.stringify(value), Buffer.from(JSON.stringify(value))]) {
    const r = parseContentManifest(input);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(r.manifest, value);
    const again = parseContentManifest(serializeManifest(r.manifest));
    assert.ok(again.ok);
    assert.deepEqual(again.manifest, r.manifest);
  }
});

test('the signed bytes are the documented ones: context line, then RFC 8785 JSON without the signature', () => {
  const r = parseContentManifest(manifest([{ title: 'Ü "q"', lang: 'en', kind: 'audio', sha256: SHA, size: 3, path: 'a/b.mp3' }]));
  assert.ok(r.ok);
  const expected =
    'purser-content-v1\n' +
    `{"catalogVersion":"2025-06","createdAt":"2025-06-01T08:00:00Z","files":[{"kind":"audio","lang":"en","path":"a/b.mp3","sha256":"${SHA}","size":3,"title":"Ü \\"q\\""}],"format":1}`;
  assert.equal(signedBytes(r.manifest).toString('utf8'), expected);
  // Key order and whitespace in the file do not matter; the signature field never does.
  const shuffled = JSON.stringify({ signature: Buffer.alloc(64, 1).toString('base64'), files: r.manifest.files, createdAt: r.manifest.createdAt, format: 1, catalogVersion: '2025-06' }, null, 4);
  const r2 = parseContentManifest(shuffled);
  assert.ok(r2.ok);
  assert.deepEqual(signedBytes(r2.manifest), signedBytes(r.manifest));
  // And a real Ed25519 signature over them verifies with node:crypto alone (what a seat or a hangar tool does).
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  assert.ok(verify(null, Buffer.from(expected, 'utf8'), publicKey, sign(null, signedBytes(r.manifest), privateKey)));
});

test('paths that could leave the drive or differ by filesystem are refused, naming the field', () => {
  const bad: [string, RegExp][] = [
    ['../etc/passwd', /leaves the drive/],
    ['movies/../../x', /leaves the drive/],
    ['/etc/passwd', /absolute/],
    ['C:/x.mp4', /drive letter/],
    ['movies\\x.mp4', /backslash/],
    ['a\u0000b', /NUL/],
    ['a\nb', /control character/],
    ['movies//x', /not normalized/],
    ['./x', /not normalized/],
    ['movies/', /not normalized/],
    ['e\u0301.mp4', /NFC/],
    ['\ud800.mp4', /Unicode/],
    ['PURSER-CONTENT.JSON', /manifest itself/],
    [`${'d/'.repeat(40)}x`, /folders deep/],
    [`${'n'.repeat(256)}.mp4`, /longer than 255/],
  ];
  for (const [path, message] of bad) refused(manifest([file('ok.mp4'), file(path)]), 'files[1].path', message);
  refused(manifest([{ ...file('x'), path: 7 }]), 'files[0].path', /must be a file path/);
});

test('duplicates are refused, also when they differ only in letter case, and a file cannot be a folder', () => {
  refused(manifest([file('a.mp4'), file('b.mp4'), file('a.mp4')]), 'files[2].path', /listed twice \(also files\[0\]\)/);
  refused(manifest([file('Movies/A.mp4'), file('movies/a.MP4')]), 'files[1].path', /differs only in letter case/);
  refused(manifest([file('movies'), file('movies/a.mp4')]), 'files[1].path', /inside "movies", which is listed as a file/);
  refused(manifest([file('a.mp4', { poster: 'nope.jpg' })]), 'files[0].poster', /not one of the listed files/);
});

test('sizes, digests, counts and kinds are checked against the limits', () => {
  const limits = { ...DEFAULT_LIMITS, maxFiles: 3, maxFileBytes: 1000, maxTotalBytes: 1500 };
  refused(manifest([file('a', { size: 1001 })]), 'files[0].size', /at most 1000 are allowed per file/, limits);
  refused(manifest([file('a', { size: 800 }), file('b', { size: 800 })]), 'files[1].size', /more than 1500 bytes/, limits);
  refused(manifest([file('a'), file('b'), file('c'), file('d')]), 'files', /4 files; at most 3/, limits);
  refused(manifest([file('a', { size: -1 })]), 'files[0].size', /whole number/);
  refused(manifest([file('a', { size: 1.5 })]), 'files[0].size', /whole number/);
  refused(manifest([file('a', { size: 2 ** 60 })]), 'files[0].size', /whole number/);
  refused(manifest([file('a', { sha256: 'A'.repeat(64) })]), 'files[0].sha256', /64 lowercase hex/);
  refused(manifest([file('a', { sha256: 'a'.repeat(63) })]), 'files[0].sha256', /64 lowercase hex/);
  refused(manifest([{ ...file('a'), kind: 'porn' }]), 'files[0].kind', /one of movie, show/);
  refused(manifest([{ ...file('a'), lang: 'english' }]), 'files[0].lang', /language tag/);
  refused(manifest([{ ...file('a'), title: '  ' }]), 'files[0].title', /non-empty/);
  refused(Buffer.alloc(DEFAULT_LIMITS.maxManifestBytes + 1, 32), undefined, /at most 67108864/);
  // The default cap is the brief's 100,000 files.
  assert.equal(DEFAULT_LIMITS.maxFiles, 100_000);
});

test('top-level fields: format, catalogVersion, createdAt, signature, unknown keys', () => {
  refused(manifest([], { format: 2 }), 'format', /newer than this Purser understands/);
  refused(manifest([], { format: '1' }), 'format', /format must be 1/);
  refused(manifest([], { catalogVersion: '../x' }), 'catalogVersion', /not allowed/);
  refused(manifest([], { catalogVersion: 'a..b' }), 'catalogVersion', /not allowed/);
  refused(manifest([], { createdAt: '2025-02-30T00:00:00Z' }), 'createdAt', /UTC time/);
  refused(manifest([], { createdAt: '2025-06-01 08:00' }), 'createdAt', /UTC time/);
  refused(manifest([], { signature: 'abc' }), 'signature', /64-byte Ed25519/);
  refused(manifest([], { extra: 1 }), 'extra', /not a field this Purser knows/);
  refused(manifest([{ ...file('a'), rating: 'PG' }]), 'files[0].rating', /not a field/);
  refused('[]', undefined, /must be a JSON object/);
  refused('{', undefined, /not valid JSON/);
  refused(Buffer.from([0xff, 0xfe, 0x7b]), undefined, /not UTF-8/);
});

test('hostile keys are refused as unknown fields and never touch a prototype', () => {
  for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
    const top = `{"format":1,"catalogVersion":"v","createdAt":"2025-06-01T08:00:00Z","files":[],"signature":"${SIG}","${key}":{"polluted":true}}`;
    refused(top, key, /not a field/);
    const inner = `{"format":1,"catalogVersion":"v","createdAt":"2025-06-01T08:00:00Z","signature":"${SIG}","files":[{"path":"a","size":1,"sha256":"${SHA}","kind":"movie","title":"t","lang":"en","${key}":{"polluted":true}}]}`;
    refused(inner, `files[0].${key}`, /not a field/);
  }
  // A manifest that is missing fields must not pick them up from Object.prototype.
  refused(Object.create({ format: 1, catalogVersion: 'v' }) as object, 'format', /format must be 1/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

// ---- fuzzing ----

const segment = fc.stringMatching(/^[A-Za-z0-9 ()_-][A-Za-z0-9 ()._-]{0,20}$/).filter((s) => s !== '.' && s !== '..');
const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const fileArb = fc.record({
  path: pathArb,
  size: fc.nat({ max: 2 ** 36 }),
  sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
  kind: fc.constantFrom(...KINDS),
  title: fc.string({ minLength: 1, maxLength: 50 }).filter((t) => t.trim() !== '' && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(t) && !/[\ud800-\udfff]/.test(t)),
  lang: fc.constantFrom('en', 'fr', 'pt-BR', 'und', 'zxx', 'zh-Hant'),
});
const manifestArb = fc
  .uniqueArray(fileArb, { maxLength: 8, selector: (f) => f.path.toLowerCase() })
  .filter((files) => !files.some((f) => files.some((g) => g.path.toLowerCase().startsWith(`${f.path.toLowerCase()}/`))))
  .map((files) => manifest(files));

test('fuzz: arbitrary bytes, chunked or whole, never throw and always explain', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 400 }), (raw, cut) => {
      for (const input of [raw, raw.subarray(0, cut), Buffer.concat([Buffer.from('{"format":1,"files":['), raw])]) {
        const r = parseContentManifest(input);
        assert.ok(r.ok || (r.error.code === 'invalid' && r.error.message.length > 0));
      }
    }),
    { numRuns: 400 },
  );
});

test('fuzz: arbitrary JSON values and hostile keys are refused cleanly', () => {
  const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'files', 'path', 'size', 'valueOf');
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('v'), { maxKeys: 4 })),
  })).v;
  fc.assert(
    fc.property(value, (v) => {
      const r = parseContentManifest(JSON.stringify(v) ?? 'null');
      assert.ok(r.ok || r.error.message.length > 0);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: every valid manifest round-trips, and any one mutation is caught or changes the signed bytes', () => {
  fc.assert(
    fc.property(manifestArb, fc.nat(), fc.constantFrom('dup', 'dotdot', 'abs', 'backslash', 'proto', 'case', 'size', 'touch'), (m, pick, how) => {
      const r = parseContentManifest(JSON.stringify(m));
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const back = parseContentManifest(serializeManifest(r.manifest));
      assert.ok(back.ok);
      assert.deepEqual(signedBytes(back.manifest), signedBytes(r.manifest));
      const files = (m.files as ContentFile[]).map((f) => ({ ...f }));
      if (files.length === 0) return;
      const i = pick % files.length;
      const f = files[i]!;
      const mutated = JSON.parse(JSON.stringify({ ...m, files })) as ContentManifest & Record<string, unknown>;
      const target = mutated.files[i]! as ContentFile & Record<string, unknown>;
      switch (how) {
        case 'dup': mutated.files.push({ ...f }); break;
        case 'case': mutated.files.push({ ...f, path: f.path.toUpperCase() === f.path ? f.path.toLowerCase() : f.path.toUpperCase() }); break;
        case 'dotdot': target.path = `../${f.path}`; break;
        case 'abs': target.path = `/${f.path}`; break;
        case 'backslash': target.path = f.path.replace(/\//g, '\\') + (f.path.includes('/') ? '' : '\\x'); break;
        case 'proto': Object.defineProperty(target, '__proto__', { value: { size: 1 }, enumerable: true }); break;
        case 'size': target.size = f.size + 1; break;
        case 'touch': target.title = `${f.title}!`; break;
      }
      const out = parseContentManifest(JSON.stringify(mutated));
      if (how === 'size' || how === 'touch' || (how === 'case' && f.path.toUpperCase() === f.path.toLowerCase())) {
        // Still a valid manifest (a path without letters has no case twin), but never the same signed bytes.
        if (out.ok && (how === 'size' || how === 'touch')) assert.notDeepEqual(signedBytes(out.manifest), signedBytes(r.manifest));
        return;
      }
      assert.equal(out.ok, false, `${how} should be refused`);
    }),
    { numRuns: 300 },
  );
});

test('canonical JSON sorts keys by code unit and refuses what JSON cannot say exactly', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], A: -0, é: 'é' }), '{"A":0,"a":[true,null,"x"],"b":1,"é":"é"}');
  assert.throws(() => canonicalJson({ n: 0.5 }), /safe integers/);
  assert.throws(() => canonicalJson({ n: 2 ** 60 }), /safe integers/);
});
