import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { purser } from './run-cli.js';

const unit = (serial: string) => ({ serial, model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:03:03' });
const lastLine = (text: string) => text.trim().split('\n').at(-1)!;
/** No token from the environment or a state dir on this machine: only what a test passes. */
const NO_TOKEN = { PURSER_TOKEN: '', PURSER_STATE_DIR: '/nonexistent' };

/**
 * `purser moves` against a real controller whose reads need the token (readAccess: session, as on an
 * aircraft), with real held claims made by signed polls over HTTP.
 */
describe('purser moves', () => {
  let tc: TestController;
  let asTech: string[];
  let seq = 10;
  /** A poll from `serial` claiming `seat`, signed with that unit's own key. */
  const claim = (seat: string, serial: string) => postPoll(tc.url, pollBody(seat, { seq: seq++, bootId: `${serial}-boot`, lru: unit(serial) }));

  before(async () => {
    tc = await startTestController({ api: { token: TEST_TOKEN }, http: { host: '127.0.0.1', port: 0, readAccess: 'session' } });
    asTech = ['--controller', tc.url, '--token', TEST_TOKEN];
    for (const s of ['40A', '40B', '12C', '8D']) assert.equal((await postPoll(tc.url, pollBody(s))).status, 200);
    // 40B's unit says it is at 40A (a compromised seat); a spare is fitted at 12C while its old unit was just heard;
    // two units claim 8D.
    for (const [seat, serial] of [['40A', 'GP3-40B'], ['12C', 'GP3-SPARE-1'], ['8D', 'GP3-X'], ['8D', 'GP3-Y']] as const) {
      const r = await claim(seat, serial);
      assert.equal(r.body.error?.code, 'MOVE_PENDING', `${serial} at ${seat}: ${JSON.stringify(r.body)}`);
    }
  });
  after(() => tc.stop());

  it('lists every held claim: seat, claiming unit and where it is installed, the seat\'s unit, since, expires, state', async () => {
    const [r, json, help] = await Promise.all([purser(['moves', ...asTech], NO_TOKEN), purser(['moves', '--json', ...asTech], NO_TOKEN), purser(['--help'])]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^SEAT\s+CLAIMING UNIT\s+HOLDING UNIT\s+SINCE\s+EXPIRES\s+STATE$/m);
    assert.match(r.stdout, /^40A\s+GP3-40B \(installed at 40B\)\s+GP3-40A\s+\d+ (?:s|min) ago\s+in (?:9|10) min\s+waiting for a technician$/m);
    assert.match(r.stdout, /^12C\s+GP3-SPARE-1\s+GP3-12C\s+\d+ (?:s|min) ago\s+in (?:9|10) min\s+waiting for a technician$/m);
    assert.equal(r.stdout.match(/^8D\s+GP3-[XY]\s+GP3-8D\s/gm)?.length, 2);
    assert.match(r.stdout, /Decide with `purser moves confirm SEAT`/);
    assert.doesNotMatch(r.stdout, /\b1[789]\d{11}\b|\d{4}-\d\d-\d\dT/, 'no epoch milliseconds or ISO strings');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as { moves: { seat: string }[] }).moves.map((m) => m.seat).sort(), ['12C', '40A', '8D', '8D']);
    assert.match(help.stdout, /^ {2}moves {6}list LRU moves held for a technician/m);
  });

  it('without the token: reading is refused by the controller, deciding is refused before asking; each error is the last line', async () => {
    const [list, confirm] = await Promise.all([purser(['moves', '--controller', tc.url], NO_TOKEN), purser(['moves', 'confirm', '40A', '--controller', tc.url], NO_TOKEN)]);
    assert.equal(list.code, 1);
    assert.match(lastLine(list.stderr), /^purser moves: 401 UNAUTHORIZED: /);
    assert.equal(confirm.code, 2);
    assert.match(lastLine(confirm.stderr), /^purser moves: no API token: pass --token, set PURSER_TOKEN, or point --state-dir/);
    const wrong = await purser(['moves', 'reject', '40A', '--controller', tc.url, '--token', 'not-the-token-at-all'], NO_TOKEN);
    assert.equal(wrong.code, 1);
    assert.match(lastLine(wrong.stderr), /^purser moves: 401 UNAUTHORIZED: /);
    assert.equal(tc.controller.ctx.registry.pendingMoves().filter((m) => m.decision).length, 0, 'nothing decided');
  });

  it('confirm: the spare\'s next poll installs it at 12C, and the claim is gone', async () => {
    const r = await purser(['moves', 'confirm', '12c', ...asTech], NO_TOKEN);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^seat 12C: unit GP3-SPARE-1 confirmed in place of GP3-12C; its next poll from 12C installs it \(the decision holds for (?:9|10) min\)$/m);
    assert.equal((await claim('12C', 'GP3-SPARE-1')).status, 200);
    assert.equal(tc.controller.ctx.registry.get('12C')?.lru?.serial, 'GP3-SPARE-1');
    assert.ok(!tc.controller.ctx.registry.pendingMoves().some((m) => m.seat === '12C'), 'settled: no longer listed');
  });

  it('reject: 40B\'s unit is refused at 40A from then on, 40A keeps its unit, and the list says who rejected it', async () => {
    const r = await purser(['moves', 'reject', '40A', ...asTech], NO_TOKEN);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^seat 40A: unit GP3-40B rejected; its polls from 40A are refused \(MOVE_REJECTED\) for (?:9|10) min; the seat keeps unit GP3-40A$/m);
    assert.equal((await claim('40A', 'GP3-40B')).body.error?.code, 'MOVE_REJECTED');
    assert.equal(tc.controller.ctx.registry.get('40A')?.lru?.serial, 'GP3-40A');
    const list = await purser(['moves', ...asTech], NO_TOKEN);
    assert.match(list.stdout, /^40A\s+GP3-40B \(installed at 40B\)\s+GP3-40A\s+\d+ (?:s|min) ago\s+in (?:9|10) min\s+rejected by token$/m);
  });

  it('two units claiming one seat: --serial says which; without it, or with one that does not claim it, a clear error', async () => {
    const [both, stranger] = await Promise.all([purser(['moves', 'confirm', '8D', ...asTech], NO_TOKEN), purser(['moves', 'confirm', '8D', '--serial', 'GP3-Z', ...asTech], NO_TOKEN)]);
    assert.equal(both.code, 2);
    assert.match(lastLine(both.stderr), /^purser moves: 2 units claim seat 8D: GP3-[XY] or GP3-[XY]; say which with --serial, e\.g\. `purser moves confirm 8D --serial GP3-[XY]`$/);
    assert.equal(stranger.code, 1);
    assert.match(lastLine(stranger.stderr), /^purser moves: unit GP3-Z does not claim seat 8D; the units claiming it are GP3-[XY] or GP3-[XY]$/);
    const r = await purser(['moves', 'reject', '8D', '--serial', 'GP3-Y', ...asTech], NO_TOKEN);
    assert.equal(r.code, 0, r.stderr);
    const states = tc.controller.ctx.registry.pendingMoves().filter((m) => m.seat === '8D').map((m) => `${m.serial}:${m.decision?.kind ?? 'waiting'}`).sort();
    assert.deepEqual(states, ['GP3-X:waiting', 'GP3-Y:rejected']);
  });

  it('a seat not in the layout names the seats meant; a seat nobody claims, a misspelt subcommand and a misspelt command are plain errors', async () => {
    const [layout, unclaimed, verb, cmd, bare, hostile] = await Promise.all([
      purser(['moves', 'confirm', '12K', ...asTech], NO_TOKEN),
      purser(['moves', 'confirm', '30A', ...asTech], NO_TOKEN),
      purser(['moves', 'confrim', '40A', ...asTech], NO_TOKEN),
      purser(['move']),
      purser(['moves', '40A', ...asTech], NO_TOKEN),
      purser(['moves', 'reject', 'x'.repeat(5000), ...asTech], NO_TOKEN),
    ]);
    assert.equal(layout.code, 2);
    assert.match(lastLine(layout.stderr), /^purser moves: no seat "12K" in this cabin's layout; did you mean 12F, 12E, 12D or 12C\?$/);
    assert.equal(unclaimed.code, 1);
    assert.match(lastLine(unclaimed.stderr), /^purser moves: no unit claims seat 30A; moves are held at .*40A.* \(see `purser moves`\)$/);
    assert.equal(verb.code, 2);
    assert.match(lastLine(verb.stderr), /^purser moves: unknown subcommand "confrim": did you mean `purser moves confirm`\?$/);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /did you mean `purser moves`\?/);
    assert.equal(bare.code, 2);
    assert.match(lastLine(bare.stderr), /^purser moves: say confirm or reject, e\.g\. `purser moves confirm 40A`$/);
    assert.equal(hostile.code, 2);
    assert.match(lastLine(hostile.stderr), /^purser moves: "x{40}" is not a seat id such as 40A$/);
  });
});
