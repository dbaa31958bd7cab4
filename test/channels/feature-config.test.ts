import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { validateConfig } from '../../src/app/config.js';
import { channelsFeature } from '../../src/channels/feature.js';
import { checkChannels } from '../../src/channels/config.js';
import type { PurserConfig } from '../../src/contract/config.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { ConfigError } from '../../src/config/load.js';
import { TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, TEST_SECRET } from '../helpers/controller.js';

const features = [commandsFeature(), channelsFeature()];
const base = { stateDir: '/tmp/purser-config-test', cabin: { secret: TEST_SECRET } };
const check = (extra: Record<string, unknown>) => validateConfig({ ...base, ...extra }, { features });
const refusal = (extra: Record<string, unknown>): ConfigError => {
  try {
    check(extra);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `a ConfigError, not ${(e as Error).name}: ${(e as Error).message}`);
    return e;
  }
  assert.fail('accepted');
};
const ch = (id: string, group: string, source = `/srv/${id}.ts`) => ({ id, name: id, source, group });

describe('channels config', () => {
  it('no config at all: the demo channels and safety clip in stateDir, VLC on lo', () => {
    const { config } = check({});
    assert.equal(config.vlc.enabled, true);
    assert.equal(config.vlc.user, 'nobody');
    assert.equal(config.vlc.interface, '127.0.0.1');
    assert.equal(config.channels, undefined);
  });

  it('names the key and the reason for each mistake', () => {
    assert.match(refusal({ channels: [ch('news', '239.255.30.1:5000'), ch('news', '239.255.30.2:5000')] }).message, /channels\.1\.id: id "news" is already used/);
    assert.match(refusal({ channels: [ch('news', '239.255.30.1:5000')], safety: { source: '/srv/s.mp4', group: '239.255.30.1:5001' } }).message, /safety\.group: group 239\.255\.30\.1 is already used/);
    assert.match(refusal({ channels: [ch('news', '10.0.0.1:5000')] }).message, /channels\.0\.group: .*not a multicast group/);
    assert.match(refusal({ channels: [ch('news', '239.255.30.1:5000', 'relative.ts')] }).message, /channels\.0\.source: .*absolute path/);
    assert.match(refusal({ channels: [ch('all', '239.255.30.1:5000')] }).message, /channels\.0\.id/);
    assert.match(refusal({ channels: [{ id: 'x', name: 'x', group: '239.255.30.1:5000' }] }).message, /channels\.0\.source: is required/);
    assert.match(refusal({ channels: [{ ...ch('x', '239.255.30.1:5000'), colour: 'red' }] }).message, /channels\.0\.colour: unknown key/);
    assert.match(refusal({ vlc: { interface: '192.0.2.77' } }).message, /vlc\.interface: no network interface has the address 192\.0\.2\.77/);
    assert.match(refusal({ vlc: { ttl: 0 } }).message, /vlc\.ttl/);
    assert.match(refusal({ vlc: { user: 'root; rm -rf /' } }).message, /vlc\.user: must be a user name or uid/);
    assert.match(refusal({ safety: { source: '/srv/s.ts' } }).message, /safety\.group: is required/);
  });

  it('fast-check: any channels/safety/vlc value is accepted or refused with a ConfigError naming a key, never a crash', () => {
    // The section checks alone, many runs (the full validation below compiles the schema, so fewer).
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.oneof(anyJson, fc.dictionary(fc.constantFrom('id', 'name', 'source', 'group', '__proto__'), fc.oneof(fc.string(), fc.constantFrom('239.255.30.1:5000', '/a'))))), anyJson), anyJson, (channels, safety) => {
        const problems = checkChannels({ stateDir: '/tmp/x', channels, safety, vlc: { enabled: false } } as unknown as PurserConfig);
        for (const p of problems) assert.ok(p.keyPath && p.reason);
      }),
      { numRuns: 1000 },
    );
    const hostile = fc.constantFrom('__proto__', 'constructor', 'toString', 'id', 'group', 'source', 'name', 'enabled', 'user', 'ttl');
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('239.255.30.1:5000', '/srv/a.ts', 'news', '127.0.0.1'));
    const entry = fc.oneof(
      fc.record({ id: fc.oneof(fc.string(), fc.constantFrom('news', 'all', '__proto__')), name: fc.string(), source: fc.oneof(fc.string(), fc.constant('/srv/a.ts')), group: fc.oneof(fc.string(), fc.constantFrom('239.255.30.1:5000', '239.255.30.2:5000', '224.0.0.1:5000')) }),
      fc.dictionary(hostile, anyValue),
      anyValue,
    );
    fc.assert(
      fc.property(fc.option(fc.oneof(fc.array(entry, { maxLength: 4 }), anyValue)), fc.option(entry), fc.option(fc.oneof(fc.dictionary(hostile, anyValue), anyValue)), (channels, safety, vlc) => {
        const extra: Record<string, unknown> = {};
        if (channels !== null) extra.channels = channels;
        if (safety !== null) extra.safety = safety;
        if (vlc !== null) extra.vlc = vlc;
        try {
          check(JSON.parse(JSON.stringify(extra)));
        } catch (e) {
          assert.ok(e instanceof ConfigError, `${(e as Error).name}: ${(e as Error).message}`);
          assert.ok(e.keyPath.length > 0 && e.reason.length > 0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('VLC not installed: the controller runs, the channels are down with the reason, play answers 503', async () => {
    const tc = await startTestController({ api: { token: TEST_TOKEN }, vlc: { path: '/nonexistent/cvlc' }, channels: [ch('news', '239.255.33.1:5000')], safety: { source: '/srv/s.ts', group: '239.255.33.10:5000' } }, features);
    try {
      const news = tc.controller.ctx.entities.get('channel:news')!;
      assert.equal(news.state, 'down');
      assert.match(String(news.attributes.reason), /VLC is not installed \(\/nonexistent\/cvlc not found\)/);
      assert.equal(tc.controller.ctx.entities.get('safety:safety')?.state, 'down');
      assert.equal(tc.controller.ctx.health().channels?.state, 'down');
      const res = await fetch(`${tc.url}/api/v1/safety/play`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'VLC_DOWN');
    } finally {
      await tc.stop();
    }
  });
});
