import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

function purser(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, PURSER_URL: '', PURSER_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('purser demo', { timeout: 90_000 }, () => {
  let dir: string;
  let demo: ReturnType<typeof spawn>;
  let out = '';
  let exited: Promise<number | null>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-demo-'));
    // A seat-command port of its own, so parallel tests never hear each other's datagrams.
    await writeFile(join(dir, 'purser.json'), JSON.stringify({ stateDir: join(dir, 'state'), commands: { port: 20000 + Math.floor(Math.random() * 20000) } }));
    demo = spawn(process.execPath, [...CLI, 'demo', '--config', join(dir, 'purser.json'), '--port', '0', '--seats', '36', '--calls-every', '1'], {
      cwd: ROOT,
      env: { ...process.env, PURSER_URL: '', PURSER_TOKEN: '' },
      detached: true,
    });
    exited = new Promise((r) => demo.on('exit', (code) => r(code)));
    demo.stdout!.on('data', (d: Buffer) => (out += d));
    demo.stderr!.on('data', (d: Buffer) => (out += d));
    const deadline = Date.now() + 60_000;
    while (!out.includes('Stop with Ctrl-C')) {
      assert.ok(Date.now() < deadline, `the demo starts and prints its hints:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    if (demo.exitCode === null) process.kill(-demo.pid!, 'SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints hints for its own port and state dir, and they work as printed', async () => {
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    assert.doesNotMatch(out, /:8080/, 'not the default port when it runs on another');
    const lines = out.split('\n').filter((l) => l.trim().startsWith('npx purser '));
    assert.equal(lines.length, 2, out);
    for (const line of lines) {
      assert.ok(line.includes(url), `the hint names this demo's controller: ${line}`);
      const args = line.trim().split(/\s+/).slice(2);
      const r = await purser(args);
      assert.equal(r.code, 0, `${line}\n${r.stdout}${r.stderr}`);
    }
  });

  it('is a living cabin: a passenger calls within seconds, without anyone running the simulator', async () => {
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { alerts } = (await (await fetch(`${url}/api/v1/alerts`)).json()) as { alerts: { kind: string }[] };
      if (alerts.some((a) => a.kind === 'call')) break;
      assert.ok(Date.now() < deadline, 'a call within 20 s at --calls-every 1');
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.match(out, /A living cabin/);
  });

  it('stops on SIGTERM', async () => {
    process.kill(-demo.pid!, 'SIGTERM');
    assert.equal(await exited, 0);
  });
});
