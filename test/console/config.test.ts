import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, validateConfig } from '../../src/app/config.js';
import { defaultFeatures } from '../../src/app/features.js';
import { redactConfig } from '../../src/console/scope.js';
import { TEST_SECRET } from '../helpers/controller.js';

// The console is one of the default features: validated with the default (compiled once) sections.
// (Passing `features` compiles a fresh validator on every call: too slow for a property test.)
assert.ok(defaultFeatures().some((f) => f.name === 'console'));
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHLmD6tNQ2zbMrdU5cdD8mGcrQXRlq1xWpu3GdyFz9gY ground';
const validate = (extra: Record<string, unknown>) => validateConfig({ stateDir: '/tmp/purser-console-config', cabin: { secret: TEST_SECRET }, ...extra });

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'enabled', 'port', 'hostKey', 'host', 'user');
const value = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 30 }), fc.constant(null), fc.constant(ED25519), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
const section = fc.oneof(fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 12 })), value, { maxKeys: 6 }), value);

describe('console and tunnel config sections', () => {
  it('defaults make the demo work: console on 127.0.0.1:2222, tunnel off', () => {
    const { config } = validate({});
    assert.deepEqual(
      { ...config.console },
      { enabled: true, host: '127.0.0.1', port: 2222, demoKey: true, maxSessions: 4, idleTimeoutMs: 900_000, evalTimeoutMs: 250 },
    );
    assert.equal(config.tunnel.enabled, false);
  });

  it('any value at all is accepted or refused with a ConfigError naming a console/tunnel key; nothing else is thrown', () => {
    fc.assert(
      fc.property(section, section, (c, t) => {
        try {
          const { config } = validate({ console: c, tunnel: t });
          assert.equal(typeof config.console.port, 'number');
          assert.ok(config.console.port >= 0 && config.console.port <= 65535);
          assert.equal(Object.getPrototypeOf(config.console), Object.prototype);
          if (config.tunnel.enabled) assert.ok(config.tunnel.hostKey.startsWith('ssh-'));
        } catch (e) {
          assert.ok(e instanceof ConfigError, `not a ConfigError: ${(e as Error)?.stack}`);
          assert.match(e.keyPath, /^(console|tunnel)(\.|$)/, e.message);
          assert.ok(e.reason.length > 5);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('an enabled tunnel needs a pinned key that parses, and says so', () => {
    assert.throws(() => validate({ tunnel: { enabled: true, host: 'ground.example', user: 'a320' } }), (e: ConfigError) => e.keyPath === 'tunnel.hostKey' && /required/.test(e.reason));
    assert.throws(() => validate({ tunnel: { enabled: true, hostKey: 'ssh-ed25519 AAAAnotakey' } }), (e: ConfigError) => e.keyPath === 'tunnel.hostKey' && /OpenSSH public key/.test(e.reason));
    assert.throws(() => validate({ tunnel: { retryInitialMs: 5000, retryMaxMs: 1000 } }), (e: ConfigError) => e.keyPath === 'tunnel.retryMaxMs');
    const { config } = validate({ tunnel: { enabled: true, host: 'ground.example', hostKey: ED25519, remotePort: 40022 } });
    assert.equal(config.tunnel.port, 22);
  });

  it('the REPL sees the config without its secrets, hostile keys and all', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(hostileKey, fc.constantFrom('secret', 'apiToken', 'crewPinHash', 'privateKey'), fc.string({ maxLength: 8 })), value, { maxKeys: 6 }), (extra) => {
        const { config } = validate({ api: { token: 'a-very-secret-token-123' } });
        const r = redactConfig(Object.assign(structuredClone(config), { extra })) as Record<string, Record<string, unknown>>;
        const text = JSON.stringify(r);
        assert.ok(!text.includes(TEST_SECRET) && !text.includes('a-very-secret-token-123'), text);
        assert.equal(r.cabin!.secret, '[redacted]');
        assert.equal(r.api!.token, '[redacted]');
        assert.equal(Object.getPrototypeOf(r), Object.prototype);
        for (const k of Object.keys(extra)) if (/secret|token|pinhash|privatekey/i.test(k) && extra[k] !== null) assert.equal((r.extra as Record<string, unknown>)[k], '[redacted]');
      }),
      { numRuns: 150 },
    );
  });
});
