// The console wired into a real controller (startTestController), driven by
// the real OpenSSH client; the ground host is a real sshd. The seat polls are
// real HTTP polls, signed as seats sign them.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { commandsFeature } from '../../src/commands/feature.js';
import { consoleFeature } from '../../src/console/feature.js';
import { loadOrCreateKeyPair } from '../../src/console/key-files.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { entityDetail, needsAttention } from '../../src/panel/web/entity-look.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { ssh, sshInteractive, sshKeygen, tempDir } from './helpers.js';
import { freePort, GroundSshd } from './sshd.js';

const EVAL_TIMEOUT_MS = 400;

describe('the console in the live controller', () => {
  let tc: TestController;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let sshd: GroundSshd;
  let tech: { path: string; pub: string };
  let reader: { path: string; pub: string };
  let remotePort: number;
  const events: CabinEvent[] = [];
  const seq = new Map<string, number>();

  const port = () => tc.controller.ctx.entities.get('console:ssh')!.attributes.port as number;
  const as = (key: { path: string }, p = port()) => ['-i', key.path, '-p', String(p), 'tech@127.0.0.1'];
  /** A seat polls: its sequence number goes up as a real seat's does. */
  const poll = (seat: string, call = false) => {
    const n = (seq.get(seat) ?? 0) + 1;
    seq.set(seat, n);
    return postPoll(tc.url, pollBody(seat, { seq: n, inputs: { call: { on: call, sinceMs: 0 } } }));
  };
  const api = (path: string, body: unknown) =>
    fetch(`${tc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` }, body: JSON.stringify(body) });

  before(async () => {
    tmp = await tempDir('purser-console-feature-');
    const stateDir = join(tmp.dir, 'state');
    [tech, reader] = await Promise.all([sshKeygen(tmp.dir, 'tech_key'), sshKeygen(tmp.dir, 'reader_key')]);
    const keysFile = join(tmp.dir, 'console_keys');
    await writeFile(keysFile, `purser-role="technician",purser-name="alice" ${tech.pub}\npurser-role="readonly",purser-name="crew1" ${reader.pub}\n`);
    // The aircraft's tunnel key is made first, as the installer would, and given to the ground host.
    const tunnelKey = await loadOrCreateKeyPair(stateDir, 'tunnel_ed25519', 'purser-tunnel');
    sshd = new GroundSshd(join(tmp.dir));
    await sshd.prepare(tunnelKey.publicKey);
    await sshd.start();
    remotePort = await freePort();
    tc = await startTestController(
      {
        api: { token: TEST_TOKEN },
        // Seats stay online between polls for the length of the file (a slow machine takes seconds between tests).
        cabin: { secret: TEST_SECRET, pollIntervalMs: 60_000 },
        commands: { port: randomPort() },
        console: { port: 0, authorizedKeysFile: keysFile, evalTimeoutMs: EVAL_TIMEOUT_MS, maxSessions: 8 },
        tunnel: { enabled: true, host: '127.0.0.1', port: sshd.port, user: 'root', hostKey: sshd.hostPub, remotePort, retryInitialMs: 200, retryMaxMs: 1000, probeIntervalMs: 200 },
      },
      [commandsFeature(), consoleFeature()],
      stateDir,
    );
    tc.controller.ctx.bus.events$.subscribe((e) => events.push(e));
    for (const s of ['1A', '2C', '3F', '12A']) assert.equal((await poll(s)).status, 200);
  });

  after(async () => {
    await tc?.stop();
    await sshd?.stop();
    await tmp?.cleanup();
  });

  it('ssh tech@host seats --zone J lists the live seats of the zone and exits 0', async () => {
    const r = await ssh([...as(tech), 'seats', '--zone', 'J']);
    assert.equal(r.code, 0, r.stderr);
    for (const s of ['1A', '2C', '3F']) assert.match(r.stdout, new RegExp(`^${s}\\s+J\\s+online\\s+GP3-${s}`, 'm'));
    assert.doesNotMatch(r.stdout, /^12A/m, 'zone Y is not listed');
    assert.match(r.stdout, /^30 of 300 seats, 3 online$/m);
    assert.match(r.stdout, /^1B\s+J\s+offline\s+-/m, 'seats never heard from are listed too');
    const bad = await ssh([...as(tech), 'seats', '--zone', 'Q']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no zone Q; the zones are J, Y/);
  });

  it('is audited as stored events and in the command log under ssh:<name>', async () => {
    const r = await ssh([...as(tech), 'command', 'message.show', '--zone', 'J', '--arg', "'text=Hello, cabin'", '--arg', 'level=info']);
    assert.equal(r.code, 0, r.stderr);
    const seqNo = Number(/command (\d+) message\.show/.exec(r.stdout)?.[1]);
    const status = tc.controller.ctx.need('commands').status(seqNo);
    assert.equal(status?.issuer, 'ssh:alice');
    assert.deepEqual(status?.args, { text: 'Hello, cabin', level: 'info' });
    const listed = await ssh([...as(reader), 'commands']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${seqNo}\\s+message\\.show\\s.*ssh:alice`, 'm'));
    const mine = events.filter((e) => e.type === 'console.command' && e.user === 'alice' && e.command.startsWith('command message.show'));
    assert.equal(mine.length, 1);
    assert.ok(events.some((e) => e.type === 'console.session' && e.kind === 'session-open' && e.user === 'alice'), 'session-open names the user');
    assert.equal(tc.controller.ctx.bus.persistence('console.command'), 'stored');
    tc.controller.ctx.store.flush([]);
    assert.ok(tc.controller.ctx.store.recentEvents({ limit: 200 }).some((e) => e.type === 'console.command' && (e.data as { user?: string }).user === 'alice'), 'stored');
  });

  it('a readonly key gets the shell but no eval and no seat commands', async () => {
    const ok = await ssh([...as(reader), 'seat', '12A']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /seat 12A \(zone Y\): online/);
    const ev = await ssh([...as(reader), 'eval', 'registry.all().length']);
    assert.equal(ev.code, 126);
    assert.match(ev.stderr, /refused: eval needs the technician role/);
    assert.equal(ev.stdout, '');
    const cmd = await ssh([...as(reader), 'command', 'seat.reboot', '--seats', '12A']);
    assert.equal(cmd.code, 126);
    assert.ok(events.some((e) => e.type === 'console.command' && e.kind === 'refused' && e.user === 'crew1'));
  });

  it('the -tt REPL reads the live registry; a spin is interrupted while polls are answered, each held at most evalTimeoutMs', async () => {
    const s = sshInteractive(as(tech));
    try {
      await s.waitFor(/purser\(technician\)> $/);
      s.send('js\r');
      await s.waitFor(/js> $/);
      let mark = s.screen().length;
      s.send("registry.get('12A').status + ' ' + registry.get('12A').lru.serial\r");
      await s.waitFor(/'online GP3-12A'/, 10_000, mark);
      mark = s.screen().length;
      s.send("config.cabin.secret + ' ' + config.api.token\r");
      await s.waitFor(/'\[redacted\] \[redacted\]'/, 10_000, mark);

      // A seat polls back to back from another process (this one is the controller, and spins with it).
      const poller = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/poller.ts', import.meta.url)), tc.url, '12A', String((seq.get('12A') ?? 0) + 1)], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      poller.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const done = new Promise((r) => poller.once('close', r));
      try {
        while (!out.startsWith('ready')) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 300));
        mark = s.screen().length;
        s.send('while(true){}\r');
        await s.waitFor(new RegExp(`interrupted: ran longer than ${EVAL_TIMEOUT_MS} ms`), 10_000, mark);
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        poller.stdin.end();
        await done;
      }
      const { latencies, lastSeq } = JSON.parse(out.split('\n')[1]!) as { latencies: number[]; lastSeq: number };
      seq.set('12A', lastSeq);
      assert.ok(latencies.every((l) => l >= 0), `every poll was answered 200: ${latencies.filter((l) => l < 0).join(',')}`);
      const worst = Math.max(...latencies);
      // One process, one thread: a poll arriving during the spin waits for it, at most the limit (plus a loaded machine's slack).
      assert.ok(latencies.length >= 3, `polls were answered around the spin (${latencies.length})`);
      assert.ok(worst < EVAL_TIMEOUT_MS + 600, `worst poll ${worst.toFixed(0)} ms, limit ${EVAL_TIMEOUT_MS} ms`);
      assert.ok(worst > EVAL_TIMEOUT_MS / 2, `the poll in flight during the spin did wait for it (worst ${worst.toFixed(0)} ms)`);
      mark = s.screen().length;
      s.send('1 + 1\r');
      await s.waitFor(/^2\r?$/m, 10_000, mark);
      s.send('.shell\r');
      await s.waitFor(/purser\(technician\)> $/);
      s.send('exit\r');
      assert.equal(await s.closed, 0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('events --follow shows a call pressed by a poll, live, until Ctrl-C', async () => {
    const s = sshInteractive(as(reader));
    try {
      await s.waitFor(/purser\(readonly\)> $/);
      s.send('events --follow --seat 2C\r');
      await s.waitFor(/following events of 2C; Ctrl-C stops/);
      const mark = s.screen().length;
      assert.equal((await poll('2C', true)).status, 200);
      await s.waitFor(/\d\d:\d\d:\d\d\.\d{3} call\.pressed 2C/, 10_000, mark);
      assert.equal((await poll('3F', true)).status, 200);
      s.send('\x03');
      await s.waitFor(/purser\(readonly\)> $/, 10_000, mark);
      assert.doesNotMatch(s.screen().slice(mark), /3F/, 'only the seat asked for');
      s.send('seats --call\r');
      await s.waitFor(/2 of 300 seats, 2 online/, 10_000, mark);
      s.send('exit\r');
      assert.equal(await s.closed, 0);
      assert.ok(events.some((e) => e.type === 'console.command' && e.command === 'events --follow --seat 2C' && e.exitCode === 130));
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('a subscriber that throws, from the REPL or anywhere, is printed or logged and counted; the controller keeps answering polls', async () => {
    const s = sshInteractive(as(tech));
    try {
      await s.waitFor(/purser\(technician\)> $/);
      s.send('js\r');
      await s.waitFor(/js> $/);
      let mark = s.screen().length;
      s.send('bus.events$.subscribe((e) => { if (e.type === "call.pressed") throw new Error("technician bug") }); 1\r');
      await s.waitFor(/^1\r?$/m, 10_000, mark);
      mark = s.screen().length;
      assert.equal((await poll('1A', true)).status, 200);
      await s.waitFor(/subscriber threw: Error: technician bug/, 10_000, mark);
      // A subscriber elsewhere: RxJS caught it; left alone it would rethrow it on a timer, an uncaught exception (this test would fail).
      const sub = tc.controller.ctx.bus.events$.subscribe((e) => {
        if (e.type === 'call.released') throw new Error('a bug elsewhere');
      });
      assert.equal((await poll('1A', false)).status, 200);
      sub.unsubscribe();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await poll('1A')).status, 200, 'still answering');
      const counted = await tc.controller.ctx.metrics.registry.getSingleMetricAsString('purser_contained_errors_total');
      assert.match(counted, /purser_contained_errors_total\{source="console"\} 1$/m);
      assert.match(counted, /purser_contained_errors_total\{source="rxjs"\} 1$/m);
      s.send('.shell\r');
      await s.waitFor(/purser\(technician\)> $/);
      s.send('exit\r');
      assert.equal(await s.closed, 0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('junk bytes and half handshakes on the SSH port: the controller stays up and answers polls', async () => {
    const junk = (bytes: Buffer, keepOpenMs: number) =>
      new Promise<void>((resolve) => {
        const c = connect(port(), '127.0.0.1');
        c.on('error', () => resolve());
        c.on('close', () => resolve());
        c.on('connect', () => {
          c.write(bytes);
          setTimeout(() => c.destroy(), keepOpenMs);
        });
      });
    await Promise.all([
      junk(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 100),
      junk(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), 200),
      junk(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.alloc(40_000, 0xff)]), 200),
      ...Array.from({ length: 5 }, (_, i) => junk(Buffer.from(Array.from({ length: 3000 }, (_v, j) => (i * 31 + j * 7) & 0xff)), 100)),
    ]);
    assert.equal((await poll('12A')).status, 200);
    const r = await ssh([...as(tech), 'health']);
    assert.match(r.stdout, /^SERVICE\s+STATE\s+SINCE\s+DETAIL/m);
    // SINCE reads as an age a technician can use, not epoch milliseconds.
    assert.match(r.stdout, /^console\s+ok\s+\d+ (s|min) ago/m);
    assert.doesNotMatch(r.stdout, /\b1[789]\d{11}\b/);
    assert.equal(tc.controller.ctx.entities.get('console:ssh')!.state, 'listening');
  });

  it('the tunnel through a real sshd reaches the console on the ground, and is closed when the gate says no', async () => {
    const entity = () => tc.controller.ctx.entities.get('tunnel:ground')!;
    assert.equal(entity().state, 'waiting-for-ground');
    assert.match(String(entity().attributes.lastError), /no flight-phase source/);
    // On the panel's Systems view: a normal state, not "needs attention", with the gate's reason as its why.
    assert.equal(needsAttention(entity()), false);
    assert.match(entityDetail(entity()), /^gate closed: no flight-phase source/);
    assert.equal(needsAttention(tc.controller.ctx.entities.get('console:ssh')!), false, 'a listening console is normal');
    const refused = await fetch(`${tc.url}/api/v1/tunnel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"onGround":true}' });
    assert.equal(refused.status, 401, 'setting the flag needs a technician');
    const bad = await api('/api/v1/tunnel', { onGround: 'yes' });
    assert.equal(bad.status, 400);
    const set = await api('/api/v1/tunnel', { onGround: true });
    assert.equal(set.status, 200);
    assert.equal(((await set.json()) as { manual: { by: string } }).manual.by, 'token');
    const end = Date.now() + 10_000;
    while (entity().state !== 'up' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(entity().state, 'up', JSON.stringify(entity()));
    assert.equal(needsAttention(entity()), false);
    assert.equal(entity().attributes.remotePort, remotePort);
    const r = await ssh([...as(tech, remotePort), 'seats', '--zone', 'J']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /30 of 300 seats, 3 online/);
    assert.ok(events.some((e) => e.type === 'console.session' && e.kind === 'tunnel-forward'));

    assert.equal((await api('/api/v1/tunnel', { onGround: false })).status, 200);
    assert.equal(entity().state, 'waiting-for-ground');
    const after = await ssh([...as(tech, remotePort), 'health'], { timeoutMs: 8000 });
    assert.notEqual(after.code, 0, 'the ground side of the tunnel is gone');
    const view = (await (await fetch(`${tc.url}/api/v1/tunnel`)).json()) as { allowed: boolean; gate: string; reason: string };
    assert.equal(view.allowed, false);
    assert.equal(view.gate, 'manual');
  });
});

describe('the demo key', () => {
  it('with no key file, a technician key pair is written and works with ssh at once; an existing key file is left alone', async () => {
    const tc = await startTestController({ commands: { port: randomPort() }, console: { port: 0 } }, [commandsFeature(), consoleFeature()]);
    try {
      const demo = join(tc.stateDir, 'console_demo_ed25519');
      assert.equal((await stat(demo)).mode & 0o777, 0o600);
      const keyFile = await readFile(join(tc.stateDir, 'console_authorized_keys'), 'utf8');
      assert.match(keyFile, /^purser-role="technician",purser-name="demo" ssh-ed25519 /m);
      const port = tc.controller.ctx.entities.get('console:ssh')!.attributes.port as number;
      const r = await ssh(['-i', demo, '-p', String(port), 'tech@127.0.0.1', 'eval', '1 + 1']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '2\n');
    } finally {
      await tc.stop();
    }
    const t = await tempDir('purser-console-nodemo-');
    try {
      const keys = join(t.dir, 'keys');
      await writeFile(keys, '# nobody yet\n');
      const tc2 = await startTestController({ commands: { port: randomPort() }, console: { port: 0, authorizedKeysFile: keys } }, [commandsFeature(), consoleFeature()]);
      try {
        assert.equal(await readFile(keys, 'utf8'), '# nobody yet\n');
        await assert.rejects(stat(join(tc2.stateDir, 'console_demo_ed25519')));
      } finally {
        await tc2.stop();
      }
    } finally {
      await t.cleanup();
    }
  });
});
