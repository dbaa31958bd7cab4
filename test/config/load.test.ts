import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, loadConfigFile, validateConfig as validateWithFile } from '../../src/app/config.js';

/** As the demo does: a state dir when the object names none. */
const validateConfig = (raw: unknown) => validateWithFile(raw, { stateDir: '/tmp/purser-test-default' });

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-cfg-'));
  const f = join(dir, 'purser.yaml');
  await writeFile(f, text);
  return f;
}

function errorOf(raw: unknown): ConfigError {
  try {
    validateConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the config to be refused');
}

describe('config', () => {
  it('reads the documented YAML keys and builds the layout with zones', async () => {
    const f = await configFile(`
stateDir: /tmp/purser-x
http: { host: 0.0.0.0, port: 8080 }
cabin:
  secret: "${'ab'.repeat(32)}"
  layout: { rows: 50, letters: "ABCDEF", zones: { J: "1-5", Y: "6-50" } }
multicast: { interface: 127.0.0.1, ttl: 1 }
`);
    const { config, layout } = await loadConfigFile(f);
    assert.equal(config.http.port, 8080);
    assert.equal(config.multicast.ttl, 1);
    assert.equal(layout.seats.length, 300);
    assert.equal(layout.byId.get('5F')?.zone, 'J');
    assert.equal(layout.byId.get('6A')?.zone, 'Y');
    assert.equal(config.commands.group, '239.255.10.1', 'defaults fill what the file leaves out');
  });

  it('accepts JSON, per-zone letters, aisles and skipped rows', async () => {
    const f = await configFile(JSON.stringify({ stateDir: '/tmp/p', cabin: { layout: { rows: 14, letters: 'ABC DEF', skipRows: [13], zones: { J: { rows: '1-3', letters: 'AC DF' }, Y: '4-14' } } } }));
    const { layout } = await loadConfigFile(f);
    assert.equal(layout.byId.has('13A'), false);
    assert.equal(layout.byId.has('1B'), false);
    assert.equal(layout.seats.length, 3 * 4 + 10 * 6);
    assert.deepEqual(layout.columns, ['A', 'B', 'C', '', 'D', 'E', 'F']);
  });

  it('names the key path and the reason for each kind of mistake', () => {
    assert.match(errorOf({ http: { port: 70000 } }).message, /^http\.port: must be <= 65535/);
    assert.match(errorOf({ htpp: {} }).message, /^htpp: unknown key/);
    assert.match(errorOf({ cabin: { secret: 'xyz' } }).message, /^cabin\.secret: must be 32 to 128 hexadecimal digits/);
    assert.match(errorOf({ cabin: { layout: { rows: 10, letters: 'AB', zones: { J: '1-5' } } } }).message, /^cabin\.layout\.zones: row 6 is in no zone/);
    assert.match(errorOf({ cabin: { layout: { rows: 10, letters: 'AB', zones: { J: '1-5', Y: '5-10' } } } }).message, /^cabin\.layout\.zones\.Y: row 5 is already in zone J/);
    assert.match(errorOf({ cabin: { layout: { rows: 10, letters: 'AA', zones: { J: '1-10' } } } }).message, /letter A appears twice/);
    assert.match(errorOf({ multicast: { ttl: 'one' } }).message, /^multicast\.ttl: must be integer/);
    assert.match(errorOf([1, 2]).message, /must be a mapping/);
  });

  it('refuses unreadable and non-YAML files clearly', async () => {
    await assert.rejects(loadConfigFile('/nonexistent/purser.yaml'), /cannot read config/);
    await assert.rejects(loadConfigFile(await configFile('http: [unclosed')), /not valid YAML or JSON at line/);
    await assert.rejects(loadConfigFile(await configFile('a: 1\na: 2\n')), /not valid YAML/);
  });

  it('never throws anything but ConfigError on random config objects (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (raw) => {
        try {
          validateConfig(raw);
        } catch (e) {
          assert.ok(e instanceof ConfigError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('`purser run` with a bad config exits 78 naming the key', async () => {
    const f = await configFile('stateDir: /tmp/purser-x\nhttp:\n  port: -1\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', f], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 78);
    assert.match(r.stderr, /bad config: .*purser\.yaml: http\.port: must be >= 0/);
  });

  it('a file must name its stateDir: nothing is written to a home directory by accident', async () => {
    const f = await configFile('http:\n  port: 8080\n');
    await assert.rejects(loadConfigFile(f), (e: unknown) => e instanceof ConfigError && /purser\.yaml: stateDir: is required$/.test(e.message));
  });

  it('says what a value must be, never a raw regular expression', () => {
    assert.equal(errorOf({ commands: { group: '239.999.0.1' } }).message, 'commands.group: must be an IPv4 multicast address, 224.0.0.0 to 239.255.255.255');
    assert.equal(errorOf({ commands: { group: '10.0.0.1' } }).message, 'commands.group: must be an IPv4 multicast address, 224.0.0.0 to 239.255.255.255');
    assert.equal(errorOf({ multicast: { interface: '300.1.1.1' } }).message, 'multicast.interface: must be an IPv4 address such as 127.0.0.1');
    assert.equal(errorOf({ pa: { sources: [{ name: 'cabin', group: '239.1.1', port: 5004 }] } }).message, 'pa.sources.0.group: must be an IPv4 multicast address, 224.0.0.0 to 239.255.255.255');
    assert.doesNotMatch(errorOf({ cabin: { secret: 'xyz' } }).message, /\^|\$|\\d/);
  });

  it('checks every section before anything starts: a malformed PIN hash is a config error', () => {
    assert.equal(errorOf({ panel: { crewPinHash: '1234' } }).keyPath, 'panel.crewPinHash');
  });
});
