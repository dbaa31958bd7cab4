import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { interpretReply, vlmQuote } from '../../../protocols/vlc-telnet/reply.js';
import { parseShow } from '../../../protocols/vlc-telnet/show.js';
import { SHOW_ALL, SHOW_CH1 } from './fixtures.js';

test('show NAME reads one media with its playing instance, time and length in ms', () => {
  assert.deepEqual(parseShow(SHOW_CH1).media, [
    {
      name: 'ch1',
      type: 'broadcast',
      enabled: true,
      loop: true,
      inputs: ['/tmp/vlcx/clip.ts'],
      output: '#std{access=udp,mux=ts,dst=239.255.31.99:5000}',
      options: [],
      instances: [{ name: 'default', state: 'playing', rawState: 'playing', position: 0.055869, timeMs: 260, lengthMs: 4660 }],
    },
  ]);
});

test('show (all) reads every media under its heading, an ended broadcast has no instance', () => {
  const { media } = parseShow(SHOW_ALL);
  assert.deepEqual(media.map((m) => m.name), ['ch1', 'safety']);
  assert.equal(media[0]!.instances[0]!.state, 'paused');
  assert.equal(media[1]!.loop, false);
  assert.deepEqual(media[1]!.inputs, ['/tmp/a : b.ts']);
  assert.equal(media[1]!.output, '');
  assert.deepEqual(media[1]!.instances, []);
});

test('an unknown instance state is kept raw', () => {
  const lines = ['    m', '        type : broadcast', '        instances', '            instance', '                state : dancing'];
  const [inst] = parseShow(lines).media[0]!.instances;
  assert.equal(inst!.state, 'unknown');
  assert.equal(inst!.rawState, 'dancing');
});

test('fuzz: any lines parse to media or nothing, never a throw, positions within 0..1', () => {
  const line = fc.tuple(fc.nat({ max: 20 }), fc.oneof(fc.constantFrom('type : broadcast', 'instances', 'instance', 'state : playing', 'position : 7', 'position : -1', 'media : (', '__proto__ : x', 'constructor', 'inputs', '1 : '), fc.string({ maxLength: 10 })));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 60 }), (ls) => {
      const { media } = parseShow(ls.map(([n, s]) => ' '.repeat(n) + s));
      for (const m of media) for (const i of m.instances) if (i.position !== undefined) assert.ok(i.position >= 0 && i.position <= 1);
    }),
    { numRuns: 1500 },
  );
});

test('a good command answers its verb; refusals carry VLC text', () => {
  assert.deepEqual(interpretReply('new ch1 broadcast enabled', ['new']), { ok: true, lines: [] });
  assert.deepEqual(interpretReply('control nope play', ['control : nope: media unknown']), { ok: false, text: 'nope: media unknown' });
  assert.deepEqual(interpretReply('bogus', ["Unknown command `bogus'. Type `help' for help."]), { ok: false, text: "Unknown command `bogus'. Type `help' for help." });
  assert.deepEqual(interpretReply('show', ['show', '    x']), { ok: true, lines: ['    x'] });
});

test('vlmQuote escapes quotes and backslashes', () => {
  assert.equal(vlmQuote('/a b/"c"\\d'), '"/a b/\\"c\\"\\\\d"');
});
