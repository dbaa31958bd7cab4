import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, validateConfig } from '../../src/app/config.js';
import { discreteConfigs } from '../../src/avionics/config.js';

const base = { stateDir: '/nonexistent' };
const hostile = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'label', 'bit', 'line', 'ports', 'enabled');
const anyValue = fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const nearPort = fc.record({ id: fc.oneof(fc.constant('adc'), fc.string()), path: fc.oneof(fc.constant('/dev/ttyUSB0'), fc.string()), baudRate: fc.oneof(fc.constant(115200), anyValue), framing: fc.oneof(fc.constantFrom('binary-sync', 'ascii-lines'), anyValue) }, { requiredKeys: [] });
const nearDiscrete = fc.record(
  { name: fc.oneof(fc.constant('weightOnWheels'), fc.string()), label: fc.oneof(fc.constantFrom('270', '276', '277', '203'), anyValue), bit: fc.oneof(fc.integer({ min: 0, max: 40 }), anyValue), line: fc.oneof(fc.constantFrom('DI1', 'fwd-io.DI1', 'fwd-io.DI9', 'aft-io.DI0'), anyValue), debounceMs: anyValue },
  { requiredKeys: [] },
);
const nearModule = fc.record(
  { id: fc.oneof(fc.constant('fwd-io'), fc.string()), port: fc.oneof(fc.constantFrom('/dev/m', '/dev/ttyUSB0'), fc.string()), unit: fc.oneof(fc.integer({ min: -1, max: 248 }), anyValue), start: fc.oneof(fc.integer({ min: 0, max: 70_000 }), anyValue), count: fc.oneof(fc.integer({ min: 0, max: 70 }), anyValue), pollMs: anyValue, replyTimeoutMs: anyValue },
  { requiredKeys: [] },
);
const avionics = fc.oneof(
  fc.record({ enabled: fc.oneof(fc.boolean(), anyValue), ports: fc.oneof(fc.array(nearPort, { maxLength: 3 }), anyValue), ioModules: fc.oneof(fc.array(nearModule, { maxLength: 2 }), anyValue), discretes: fc.oneof(fc.array(nearDiscrete, { maxLength: 4 }), anyValue), tickMs: anyValue, phase: fc.oneof(fc.dictionary(fc.oneof(hostile, fc.constantFrom('levelDwellMs', 'taxiStartKt')), anyValue), anyValue) }, { requiredKeys: [] }),
  fc.dictionary(hostile, anyValue),
  anyValue,
);
const monitors = fc.oneof(fc.array(fc.record({ id: fc.string(), path: fc.string(), monitorId: anyValue }, { requiredKeys: [] }), { maxLength: 3 }), fc.dictionary(hostile, anyValue), anyValue);

describe('avionics and monitors config sections', () => {
  it('accepts only what the feature can run; anything else is a ConfigError naming an avionics or monitors key', () => {
    fc.assert(
      fc.property(avionics, monitors, (a, m) => {
        try {
          const { config } = validateConfig({ ...base, avionics: a, monitors: m });
          // Whatever was accepted is usable: each discrete has exactly one source, each port a path.
          const d = discreteConfigs(config.avionics);
          for (const x of d) assert.ok(x.source.kind === 'line' ? x.source.line.length > 0 : x.source.bit >= 11 && x.source.bit <= 29);
          if (config.avionics.enabled) assert.ok(config.avionics.ports.length > 0);
          for (const p of config.avionics.ports) assert.ok(p.path.startsWith('/'));
          // A line source names an input a configured module reads.
          for (const x of d) {
            if (x.source.kind !== 'line') continue;
            const [id, di] = x.source.line.split('.DI');
            const m = config.avionics.ioModules.find((mod) => mod.id === id);
            assert.ok(m && Number(di) >= m.start && Number(di) < m.start + m.count, x.source.line);
          }
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          assert.match(err.keyPath, /^(avionics|monitors)(\.|$)/, err.message);
          assert.ok(err.reason.length > 0);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('says what is wrong in words', () => {
    const cases: [unknown, RegExp][] = [
      [{ enabled: true }, /avionics\.ports: avionics is enabled but no port is configured/],
      [{ ports: [{ id: 'adc', path: 'ttyUSB0' }] }, /avionics\.ports\.0\.path: must be an absolute path/],
      [{ ports: [{ id: 'adc', path: '/dev/a', framing: 'hdlc' }] }, /avionics\.ports\.0\.framing/],
      [{ discretes: [{ name: 'wow', label: '270' }] }, /avionics\.discretes\.0\.bit: is required/],
      [{ discretes: [{ name: 'wow', label: '270', bit: 11, line: 'DI1' }] }, /not both/],
      [{ discretes: [{ name: 'a', label: '270', bit: 11 }, { name: 'b', label: '270', bit: 11 }] }, /label 270 bit 11 is already a/],
      [{ discretes: [{ name: 'wow', label: '203', bit: 11 }] }, /octal discrete label, 270 to 276/],
      [{ enabled: true, ports: [{ id: 'adc', path: '/dev/a' }], discretes: [] }, /no discrete is named weightOnWheels/],
    ];
    for (const [a, re] of cases) assert.throws(() => validateConfig({ ...base, avionics: a }), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(a));
    assert.throws(() => validateConfig({ ...base, monitors: [{ id: 'a', path: '/dev/m', monitorId: 1 }, { id: 'b', path: '/dev/m', monitorId: 2 }] }), /one monitor per port/);
    assert.throws(() => validateConfig({ ...base, monitors: [{ id: 'a', path: '/dev/m', monitorId: 101 }] }), /monitors\.0\.monitorId/);
  });

  it('defaults to off, with the standard discretes of label 270', () => {
    const { config } = validateConfig(base);
    assert.equal(config.avionics.enabled, false);
    assert.deepEqual(config.monitors, []);
    assert.deepEqual(discreteConfigs(config.avionics)[0], { name: 'weightOnWheels', source: { kind: 'label', label: 0o270, bit: 11 }, activeLow: false, debounceMs: 50, staleMs: 3000, flap: { maxEdges: 6, windowMs: 10_000 } });
  });
});
