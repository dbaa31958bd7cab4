import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseGroup, validateChannels } from '../../src/channels/channel-config.js';

const safety = { id: 'safety', name: 'Safety video', source: '/srv/purser/safety.ts', group: '239.255.30.99:5000' };
const ch = (n: number) => ({ id: `ch${n}`, name: `Channel ${n}`, source: `/srv/purser/ch${n}.ts`, group: `239.255.30.${n}:5000` });

test('a good list passes as it is', () => {
  const r = validateChannels([ch(1), ch(2)], safety);
  assert.deepEqual(r, { ok: true, channels: [ch(1), ch(2)], safety });
});

test('duplicate ids and groups, relative sources, bad groups are each reported where they are', () => {
  const r = validateChannels(
    [ch(1), { ...ch(2), id: 'ch1' }, { ...ch(3), group: '239.255.30.1:6000' }, { ...ch(4), source: 'films/a.ts' }, { ...ch(5), group: '10.0.0.1:5000' }, { ...ch(6), group: '239.255.30.6' }],
    { ...safety, id: 'media' },
  );
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors.map((e) => e.path), ['channels[1].id', 'channels[2].group', 'channels[3].source', 'channels[4].group', 'channels[5].group', 'safety.id']);
  assert.match(!r.ok ? r.errors[0]!.message : '', /already used by channels\[0\]/);
});

test('groups: multicast only, no link-local control block, port in range', () => {
  assert.deepEqual(parseGroup('239.255.30.1:5000'), { address: '239.255.30.1', port: 5000 });
  for (const bad of ['224.0.0.1:5000', '240.0.0.1:5000', '239.255.30.1:0', '239.255.30.1:65536', '239.255.300.1:5000', ' 239.255.30.1:5000', '[::1]:5000']) assert.equal(parseGroup(bad), undefined, bad);
});

test('fuzz: any input gives a result or clear errors, never a throw; ok results obey every rule', () => {
  const entry = fc.oneof(
    fc.record({
      id: fc.oneof(fc.constantFrom('ch1', 'ch1', '__proto__', 'constructor', 'all', ''), fc.string({ maxLength: 8 })),
      name: fc.oneof(fc.constant('News'), fc.string({ maxLength: 5 })),
      source: fc.oneof(fc.constantFrom('/a.ts', 'a.ts', '/a\nb'), fc.string({ maxLength: 6 })),
      group: fc.oneof(fc.constantFrom('239.255.30.1:5000', '239.255.30.2:5000', '1.2.3.4:5'), fc.string({ maxLength: 20 })),
    }),
    fc.anything(),
  );
  fc.assert(
    fc.property(fc.oneof(fc.array(entry, { maxLength: 6 }), fc.anything()), entry, (channels, s) => {
      const r = validateChannels(channels, s);
      if (!r.ok) {
        assert.ok(r.errors.length > 0);
        for (const e of r.errors) assert.ok(typeof e.path === 'string' && e.message.length > 0);
        return;
      }
      const all = [...r.channels, r.safety];
      assert.equal(new Set(all.map((c) => c.id)).size, all.length);
      assert.equal(new Set(all.map((c) => parseGroup(c.group)!.address)).size, all.length);
      for (const c of all) assert.ok(c.source.startsWith('/'));
    }),
    { numRuns: 2000 },
  );
});
