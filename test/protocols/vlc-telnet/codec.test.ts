import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VlcTelnetParser, type VlcTelnetEvent } from '../../../protocols/vlc-telnet/codec.js';
import { TelnetStripper } from '../../../protocols/vlc-telnet/telnet.js';
import { SHOW_CH1, sessionBytes } from './fixtures.js';

function feed(chunks: Uint8Array[]): VlcTelnetEvent[] {
  const p = new VlcTelnetParser();
  return chunks.flatMap((c) => p.push(c));
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

const EXPECTED: VlcTelnetEvent[] = [
  { type: 'login-needed' },
  { type: 'login-failed' },
  { type: 'login-needed' },
  { type: 'welcome' },
  { type: 'prompt-ready' },
  { type: 'reply', lines: ['new'] },
  { type: 'prompt-ready' },
  { type: 'reply', lines: ['setup'] },
  { type: 'prompt-ready' },
  { type: 'reply', lines: ['show', ...SHOW_CH1] },
  { type: 'prompt-ready' },
  { type: 'reply', lines: ["Unknown command `bogus'. Type `help' for help."] },
  { type: 'prompt-ready' },
  { type: 'reply', lines: ['control : nope: media unknown'] },
  { type: 'prompt-ready' },
];

test('a whole VLC session reads as login, welcome, then one reply and prompt per command', () => {
  assert.deepEqual(feed([sessionBytes()]), EXPECTED);
});

test('fed one byte at a time (IAC sequences split), the session reads the same', () => {
  const bytes = sessionBytes();
  assert.deepEqual(feed([...bytes].map((b) => Uint8Array.of(b))), EXPECTED);
});

test('telnet negotiation is stripped, IAC IAC is a literal 255, subnegotiation skipped across chunks', () => {
  const s = new TelnetStripper();
  const out = [
    s.push(Uint8Array.of(0x41, 255)),
    s.push(Uint8Array.of(251)),
    s.push(Uint8Array.of(1, 0x42, 255, 255, 0x43, 255, 250, 24, 1, 255)),
    s.push(Uint8Array.of(240, 0x44, 255, 241, 0x45)),
  ];
  assert.deepEqual(Buffer.concat(out), Buffer.from([0x41, 0x42, 255, 0x43, 0x44, 0x45]));
});

test('a prompt followed at once by the next reply in one chunk ends the first reply there', () => {
  const p = new VlcTelnetParser();
  p.push(Buffer.from('Welcome, Master\r\n> '));
  assert.deepEqual(p.push(Buffer.from('show\r\n    s\r\n> control\r\n> ')), [
    { type: 'reply', lines: ['show', '    s'] },
    { type: 'prompt-ready' },
    { type: 'reply', lines: ['control'] },
    { type: 'prompt-ready' },
  ]);
});

test('"> " inside a line is not a prompt; "Password: " after login is just text', () => {
  const p = new VlcTelnetParser();
  p.push(Buffer.from('Welcome, Master\r\n> '));
  assert.deepEqual(p.push(Buffer.from('show\r\n    1 : /a> b\r\nPassword: x\r\n> ')), [
    { type: 'reply', lines: ['show', '    1 : /a> b', 'Password: x'] },
    { type: 'prompt-ready' },
  ]);
});

test('UTF-8 split across chunks decodes whole', () => {
  const p = new VlcTelnetParser();
  p.push(Buffer.from('Welcome, Master\r\n> '));
  const bytes = Buffer.from('show\r\n    1 : /films/é🎬.ts\r\n> ');
  const events = [...bytes].flatMap((b) => p.push(Uint8Array.of(b)));
  assert.deepEqual(events[0], { type: 'reply', lines: ['show', '    1 : /films/é🎬.ts'] });
});

test('fuzz: the real session in any chunking gives the same events', () => {
  const bytes = sessionBytes();
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      assert.deepEqual(feed(splitAt(bytes, cuts)), EXPECTED);
    }),
    { numRuns: 500 },
  );
});

test('fuzz: arbitrary server output never throws and is chunking-invariant', () => {
  const vlcish = fc.array(
    fc.oneof(
      fc.constantFrom('> ', 'Password: ', '\r\n', 'Welcome, Master\r\n', 'Wrong password\r\n', '\xff\xfb\x01', '\xff', '\xff\xfa', '\xff\xf0', 'show', '    x : y', '__proto__', 'constructor'),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 40 },
  );
  fc.assert(
    fc.property(vlcish, fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 20 }), (parts, noise, cuts) => {
      const bytes = Buffer.concat([Buffer.from(parts.join(''), 'latin1'), noise]);
      const whole = feed([bytes]);
      assert.deepEqual(feed(splitAt(bytes, cuts)), whole);
      for (const e of whole) if (e.type === 'reply') assert.ok(e.lines.length > 0);
    }),
    { numRuns: 1500 },
  );
});

test('a line without end is capped, not grown without bound', () => {
  const p = new VlcTelnetParser();
  p.push(Buffer.from('Welcome, Master\r\n> '));
  p.push(Buffer.alloc(200_000, 0x61));
  const events = p.push(Buffer.from('\r\n> '));
  assert.equal(events[0]?.type, 'reply');
  assert.ok(events[0]?.type === 'reply' && events[0].lines[0]!.length <= 64 * 1024);
});
