import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startCommandController, TEST_TOKEN } from '../helpers/commands.js';
import type { TestController } from '../helpers/controller.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function purser(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, PURSER_TOKEN: TEST_TOKEN } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('purser command / purser commands', () => {
  let tc: TestController;
  before(async () => {
    tc = await startCommandController();
  });
  after(() => tc.stop());

  it('purser command sends an Idempotency-Key, committed with the command', async () => {
    const r = await purser(['command', 'seat.lock', '--zone', 'J', '--reason', 'cli', '--no-wait', '--json', '--controller', tc.url]);
    assert.equal(r.code, 0, r.stderr);
    const { seq } = JSON.parse(r.stdout) as { seq: number };
    const row = tc.controller.ctx.db.prepare('SELECT key, issuer FROM command_idempotency WHERE seq = ?').get(seq) as { key: string; issuer: string } | undefined;
    assert.ok(row, 'a key row beside the command');
    assert.match(row.key, /^[0-9a-f-]{36}$/);
    assert.equal(row.issuer, 'token');
  });

  it('purser commands prints the history as a table with the next page to ask for', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${tc.url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` }, body: JSON.stringify({ target: { seats: ['12A', '12B'] }, cmd: 'media.pause', args: {} }) });
      assert.equal(res.status, 201);
    }
    const r = await purser(['commands', '--limit', '2', '--cmd', 'media.pause', '--controller', tc.url]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^SEQ\s+AT \(UTC\)\s+COMMAND\s+TARGET\s+ISSUER\s+STATE\s+ACKED$/);
    assert.equal(lines.filter((l) => /^\d+\s+\d{4}-/.test(l)).length, 2);
    assert.match(r.stdout, /media\.pause\s+12A,12B\s+token\s+PENDING\s+0\/2/);
    const next = /older: purser commands --before (\d+) --limit 2 --cmd media\.pause/.exec(r.stdout);
    assert.ok(next, r.stdout);
    const older = await purser(['commands', '--before', next[1]!, '--cmd', 'media.pause', '--controller', tc.url]);
    assert.match(older.stdout, /1 shown; no older commands\./);
    const bad = await purser(['commands', '--state', 'lost', '--controller', tc.url]);
    assert.equal(bad.code, 2);
  });
});
