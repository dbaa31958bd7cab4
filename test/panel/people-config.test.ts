import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, validateConfig as validateWith } from '../../src/app/config.js';
import { hashPin } from '../../src/auth/pin-hash.js';
import { isPersonName, PERSON_NAME_MAX } from '../../src/auth/person-name.js';
import { checkPanelSection, configuredPins } from '../../src/panel/config.js';

const TEST_HASH = { N: 1024, r: 8, p: 1 };
const validate = (panel: unknown) => validateWith({ panel }, { stateDir: '/tmp/purser-test-people' });

function errorOf(panel: unknown): ConfigError {
  try {
    validate(panel);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the config to be refused');
}

describe('panel.people in the config', () => {
  let a: string;
  let b: string;
  let crew: string;
  before(async () => {
    [a, b, crew] = await Promise.all([hashPin('1111', TEST_HASH), hashPin('2222', TEST_HASH), hashPin('3333', TEST_HASH)]);
  });

  it('takes people beside the shared role PINs, and gives each PIN its holder', () => {
    const { config } = validate({ crewPinHash: crew, people: [{ name: 'A. Okafor', role: 'crew', pinHash: a }, { name: "Zoë O'Neill-Ødegård", role: 'technician', pinHash: b }] });
    const holders = configuredPins(config.panel);
    assert.deepEqual(
      holders.map((h) => [h.keyPath, h.role, h.person]),
      [
        ['panel.crewPinHash', 'crew', undefined],
        ['panel.people.0.pinHash', 'crew', 'A. Okafor'],
        ['panel.people.1.pinHash', 'technician', "Zoë O'Neill-Ødegård"],
      ],
    );
  });

  it('still takes the old config with only role PINs, or none', () => {
    assert.equal(configuredPins(validate({ crewPinHash: crew }).config.panel).length, 1);
    assert.equal(configuredPins(validate(undefined).config.panel).length, 0);
  });

  it('refuses a bad entry, naming its key path and what is wrong', () => {
    const bad = (people: unknown[]) => errorOf({ people });
    assert.equal(bad([{ name: 'A. Okafor', role: 'purser', pinHash: a }]).message, 'panel.people.0.role: must be one of crew, technician');
    assert.match(bad([{ name: '  A. Okafor', role: 'crew', pinHash: a }]).message, /^panel\.people\.0\.name: must be a person's name of letters, digits, single spaces/);
    assert.equal(bad([{ name: 'A. Okafor', role: 'crew' }]).message, 'panel.people.0.pinHash: is required');
    assert.equal(bad([{ name: 'A. Okafor', role: 'crew', pinHash: a, pin: '1111' }]).message, 'panel.people.0.pin: unknown key');
    assert.match(bad([{ name: 'A. Okafor', role: 'crew', pinHash: '1111' }]).message, /^panel\.people\.0\.pinHash: is not of the form scrypt\$N\$r\$p\$salt\$hash/);
  });

  it('refuses two people of one name (however written) and a person named after a role', () => {
    const two = errorOf({ people: [{ name: 'A. Okafor', role: 'crew', pinHash: a }, { name: 'a. okafor', role: 'technician', pinHash: b }] });
    assert.equal(two.keyPath, 'panel.people.1.name');
    assert.match(two.reason, /already panel\.people\.0/);
    const role = errorOf({ people: [{ name: 'Crew', role: 'crew', pinHash: a }] });
    assert.equal(role.keyPath, 'panel.people.0.name');
    assert.match(role.reason, /shared crew PIN/);
  });

  it('refuses one hash given to two people, or to a person and a role PIN: the same PIN', () => {
    const two = errorOf({ people: [{ name: 'A. Okafor', role: 'crew', pinHash: a }, { name: 'B. Mensah', role: 'crew', pinHash: a }] });
    assert.equal(two.keyPath, 'panel.people.1.pinHash');
    assert.match(two.reason, /same hash as panel\.people\.0\.pinHash, so the same PIN/);
    const withRole = errorOf({ technicianPinHash: a, people: [{ name: 'A. Okafor', role: 'crew', pinHash: a }] });
    assert.equal(withRole.keyPath, 'panel.people.0.pinHash');
    assert.match(withRole.reason, /panel\.technicianPinHash/);
  });

  it('refuses more people than one login can afford to check', () => {
    const people = Array.from({ length: 65 }, (_, i) => ({ name: `P${i}`, role: 'crew', pinHash: a }));
    assert.equal(errorOf({ people }).keyPath, 'panel.people');
  });

  it('checks any section without throwing: every problem names a key under panel (fuzz)', () => {
    const name = fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('A. Okafor', 'a. okafor', 'crew', 'Technician', 'Zoë', ''));
    const hash = fc.oneof(fc.constantFrom(a, b, crew, 'scrypt$1024$8$1$AAAA$BBBB', ''), fc.string({ maxLength: 40 }));
    const person = fc.record({ name, role: fc.constantFrom('crew', 'technician'), pinHash: hash });
    const panel = fc.record({ crewPinHash: hash, technicianPinHash: hash, people: fc.array(person, { maxLength: 6 }) }, { requiredKeys: [] });
    fc.assert(
      fc.property(panel, (p) => {
        for (const problem of checkPanelSection(p)) assert.match(problem.keyPath, /^panel\.(crewPinHash|technicianPinHash|people\.\d+\.(name|pinHash))$/);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a name as the schema does: only what the pattern allows, trimmed, single-spaced (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
        if (!isPersonName(s)) return;
        assert.ok(s.length >= 1 && s.length <= PERSON_NAME_MAX);
        assert.equal(s, s.trim());
        assert.doesNotMatch(s, /\s{2}|[\n\r\t<>"&$\\/]/);
      }),
      { numRuns: 2000 },
    );
    for (const ok of ['A. Okafor', 'Zoë O’Neill', '李小龍', 'J-P. Dubois']) assert.equal(isPersonName(ok), true, ok);
    for (const no of ['', ' A', 'A ', 'A  B', '-A', 'A\nB', 'A<b>', 'x'.repeat(65)]) assert.equal(isPersonName(no), false, JSON.stringify(no));
  });
});
