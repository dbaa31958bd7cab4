import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ssh2 from 'ssh2';
import { parseAuthorizedKeys } from '../../src/console/authorized-keys.js';
import { generateEd25519 } from '../../src/console/key-files.js';
import { closest, quoteWord, splitWords } from '../../src/console/shell-words.js';
import { FailureThrottle } from '../../src/console/throttle.js';

const pub = generateEd25519('x').public.split(' ').slice(0, 2).join(' ');
const pub2 = generateEd25519('y').public.split(' ').slice(0, 2).join(' ');

describe('authorized_keys with roles', () => {
  it('reads roles and names, skips bad lines with their numbers', () => {
    const r = parseAuthorizedKeys(
      [
        '# console keys',
        `purser-role="technician",purser-name="alice" ${pub} alice@laptop`,
        `purser-role="readonly" ${pub2} crew-tablet`,
        `${pub} no-role`,
        `purser-role="admin" ${pub2}`,
        `from="10.0.0.1",purser-role="readonly" ${pub2}`,
        'purser-role="readonly" ssh-ed25519 AAAA!!!',
        `purser-role="readonly" ssh-ed25519 ${pub2.split(' ')[1]!.slice(0, 40)}`,
        `purser-role="readonly" ${pub} dup`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.keys.map((k) => [k.line, k.role, k.name]), [[2, 'technician', 'alice'], [3, 'readonly', 'crew-tablet']]);
    assert.deepEqual(r.errors.map((e) => e.line), [4, 5, 6, 7, 8, 9]);
    assert.match(r.errors[0]!.message, /no purser-role/);
    assert.match(r.errors[1]!.message, /readonly or technician/);
    assert.match(r.errors[2]!.message, /unsupported option "from"/);
    assert.match(r.errors[5]!.message, /already listed on line 2/);
    assert.match(r.keys[0]!.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('never throws on arbitrary text, hostile option names or broken keys, and reports each bad line', () => {
    const lineArb = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom('__proto__', 'constructor', 'purser-role="__proto__"', 'purser-role=', 'purser-role="', '"', ',,,', `purser-role="technician" ${pub}`),
      fc.tuple(fc.constantFrom('purser-role', '__proto__', 'constructor', 'purser-name'), fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 })).map(([k, v, b]) => `${k}="${v}" ssh-ed25519 ${b}`),
      fc.uint8Array({ maxLength: 120 }).map((b) => `purser-role="readonly" ssh-ed25519 ${Buffer.from(b).toString('base64')}`),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 12 }), (lines) => {
        const r = parseAuthorizedKeys(lines.join('\n'));
        for (const k of r.keys) assert.ok(k.role === 'readonly' || k.role === 'technician');
        for (const e of r.errors) assert.ok(e.line >= 1 && e.line <= lines.length && typeof e.message === 'string');
        const nonBlank = lines.flatMap((l) => l.split(/\r?\n/)).filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
        assert.equal(r.keys.length + r.errors.length, nonBlank, 'every line is either a key or an error');
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => void parseAuthorizedKeys(Buffer.from(b).toString('latin1'))));
  });
});

describe('shell words', () => {
  it('splits quoted arguments', () => {
    assert.deepEqual(splitWords(`seat 12A --note "window \\"seat\\"" 'it''s' a\\ b`), { ok: true, words: ['seat', '12A', '--note', 'window "seat"', 'its', 'a b'] });
    assert.deepEqual(splitWords('  '), { ok: true, words: [] });
    assert.equal(splitWords('say "unterminated').ok, false);
    assert.equal(splitWords("say 'x").ok, false);
  });

  it('gives back any words it was given quoted, and never throws on junk', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 8 }), (words) => {
        assert.deepEqual(splitWords(words.map(quoteWord).join(' ')), { ok: true, words });
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void splitWords(s)));
  });

  it('suggests the nearest command, not a far one', () => {
    const names = ['seats', 'seat', 'health', 'events', 'commands', 'help'];
    assert.equal(closest('seets', names), 'seats');
    assert.equal(closest('helth', names), 'health');
    assert.equal(closest('xyzzy', names), undefined);
    fc.assert(fc.property(fc.string({ maxLength: 80 }), fc.array(fc.constantFrom('__proto__', 'constructor', 'seats', ''), { maxLength: 5 }), (w, n) => void closest(w, n)));
  });
});

describe('failure throttle', () => {
  it('locks after maxFailures within the window, for lockMs, per address', () => {
    let now = 0;
    const t = new FailureThrottle({ maxFailures: 5, windowMs: 60_000, lockMs: 300_000 }, () => now);
    for (let i = 0; i < 4; i++) assert.equal(t.fail('10.0.0.1'), false);
    assert.equal(t.lockedFor('10.0.0.1'), 0);
    assert.equal(t.fail('10.0.0.1'), true);
    assert.equal(t.lockedFor('10.0.0.1'), 300_000);
    assert.equal(t.lockedFor('10.0.0.2'), 0, 'another address is not affected');
    now += 300_001;
    assert.equal(t.lockedFor('10.0.0.1'), 0);
    // Failures spread wider than the window never lock.
    for (let i = 0; i < 20; i++) {
      now += 15_000;
      assert.equal(t.fail('10.0.0.3'), false);
    }
  });
});

describe('ed25519 key generation', () => {
  it('every pair made reads back (ssh2 alone writes a malformed key about once in a hundred)', () => {
    for (let i = 0; i < 300; i++) {
      const p = generateEd25519('k');
      const priv = ssh2.utils.parseKey(p.private);
      assert.ok(!(priv instanceof Error), String(priv));
      assert.equal((Array.isArray(priv) ? priv[0]! : priv).getPublicSSH().length, 51, 'a 32-byte key in its SSH wire form');
    }
  });
});
