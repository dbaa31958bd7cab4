import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs the CLI from source, with no token and no controller anywhere it could find. */
function purser(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, PURSER_TOKEN: '', PURSER_URL: 'http://127.0.0.1:9', PURSER_STATE_DIR: '/nonexistent/purser' } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('CLI messages in plain words', () => {
  it('a mistyped command says what was meant, without the whole usage', async () => {
    const top = await purser(['comand']);
    assert.equal(top.code, 2);
    assert.match(top.out, /unknown command "comand": did you mean `purser command`\?/);
    const cmd = await purser(['command', 'seat.lokc', '--all']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.out, /unknown command "seat\.lokc": did you mean seat\.lock\?/);
    assert.match(cmd.out, /The commands are: .*seat\.unlock.*message\.show/);
    assert.doesNotMatch(cmd.out, /Usage:/);
  });

  it('a missing argument is asked for by its flag, not by a JSON path', async () => {
    const r = await purser(['command', 'safety.play', '--all']);
    assert.equal(r.code, 2);
    assert.match(r.out, /safety\.play needs --channel NAME and --group A\.B\.C\.D:PORT/);
    assert.doesNotMatch(r.out, /args\.|required property/);
  });

  it('a missing token says so, and how to give one, without the whole usage', async () => {
    const r = await purser(['command', 'seat.lock', '--all', '--reason', 'turbulence']);
    assert.equal(r.code, 2);
    assert.match(r.out, /no API token: pass --token, set PURSER_TOKEN, or point --state-dir/);
    assert.doesNotMatch(r.out, /Usage:/);
    assert.match(r.out, /purser command --help/);
  });

  it('a rollout ID that is not a number is called a rollout ID, not an --ID flag', async () => {
    const r = await purser(['firmware', 'status', 'abc']);
    assert.equal(r.code, 2);
    assert.match(r.out, /the rollout ID must be a whole number such as 3, not "abc"/);
    assert.doesNotMatch(r.out, /--ID/);
  });

  it('an unknown flag is one plain sentence', async () => {
    const r = await purser(['seats', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.out, /Unknown option '--bogus'/);
    assert.doesNotMatch(r.out, /positional argument/);
  });
});
