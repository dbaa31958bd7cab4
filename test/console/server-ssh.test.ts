import assert from 'node:assert/strict';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filter, firstValueFrom, timeout } from 'rxjs';
import ssh2 from 'ssh2';
import { ConsoleServer } from '../../src/console/server.js';
import { fingerprintOf } from '../../src/console/authorized-keys.js';
import { ssh, sshInteractive, sshKeygen, startConsole, target, type Harness } from './helpers.js';

describe('SSH console with the real OpenSSH client', () => {
  let h: Harness;
  before(async () => {
    h = await startConsole();
  });
  after(() => h?.stop());

  it('lets a listed key in and runs one command on the exec channel with its exit status', async () => {
    const r = await ssh([...target(h, h.tech), 'seats', '--zone', 'J']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '30J ok\n31J ok\n');
    const none = await ssh([...target(h, h.tech), 'seats', "--zone 'no such'"]);
    assert.equal(none.code, 3, 'the command table exit code goes back to ssh');
    const ok = h.audit.find((e) => e.kind === 'auth-ok' && e.user === 'alice');
    assert.equal(ok?.role, 'technician');
    assert.ok(h.audit.some((e) => e.kind === 'command' && e.command === 'seats --zone J' && e.exitCode === 0));
  });

  it('exits non-zero on an unknown command and suggests the near one', async () => {
    const r = await ssh([...target(h, h.reader), 'seets']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /unknown command seets; did you mean seats\?/);
  });

  it('prints a command that throws as an error, exit 1, and the server carries on', async () => {
    const r = await ssh([...target(h, h.tech), 'boom']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /boom: kaboom/);
    assert.equal((await ssh([...target(h, h.tech), 'health'])).stdout, 'all ok\n');
  });

  it('refuses a key that is not listed', async () => {
    const r = await ssh([...target(h, h.stranger), 'seats']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied \(publickey\)/);
    assert.ok(h.audit.some((e) => e.kind === 'auth-failed' && e.detail === 'key not in authorized_keys'));
  });

  it('offers only publickey: password and keyboard-interactive are not even listed', async () => {
    const r = await ssh(['-v', '-o', 'PreferredAuthentications=password,keyboard-interactive', '-p', String(h.server.port), 'tech@127.0.0.1', 'seats']);
    assert.equal(r.code, 255);
    const offered = [...r.stderr.matchAll(/Authentications that can continue: (\S+)/g)].map((m) => m[1]);
    assert.ok(offered.length > 0, r.stderr);
    assert.deepEqual([...new Set(offered)], ['publickey']);
    assert.match(r.stderr, /No more authentication methods to try/);
  });

  it('gives the readonly role the shell but no JavaScript', async () => {
    for (const cmd of [['eval', '1+1'], ['js'], ['.js']]) {
      const r = await ssh([...target(h, h.reader), ...cmd]);
      assert.equal(r.code, 126, cmd.join(' '));
      assert.match(r.stderr, /refused: .* needs the technician role/);
    }
    const help = await ssh([...target(h, h.reader), 'help']);
    assert.match(help.stdout, /seats/);
    assert.doesNotMatch(help.stdout, /\bjs\b|\beval\b/, 'readonly help does not list what it cannot use');
    assert.ok(h.audit.some((e) => e.kind === 'refused' && e.role === 'readonly' && e.command === 'eval 1+1'));
  });

  it('evaluates against the live scope on exec for a technician', async () => {
    (h.scope.cabin as { counter: number }).counter = 41;
    const r = await ssh([...target(h, h.tech), 'eval', 'cabin.counter + 1']);
    assert.equal(r.stdout, '42\n');
  });

  it('reads a script from stdin into the REPL with `ssh ... js`', async () => {
    (h.scope.cabin as { counter: number }).counter = 10;
    const r = await ssh([...target(h, h.tech), 'js'], { input: 'const twice = cabin.counter * 2\ntwice + 1\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\b21\b/);
  });

  it('keeps the host key: generated 0600 on first start, the same after a restart', async () => {
    const path = join(h.dir, 'state', 'console_host_ed25519');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const before = h.server.hostPublicKey;
    const again = new ConsoleServer({
      host: '127.0.0.1', port: 0, stateDir: join(h.dir, 'state'), authorizedKeysFile: h.keysFile,
      scope: {}, commands: {}, audit: () => undefined, log: { info: () => undefined, warn: () => undefined },
    });
    await again.start();
    try {
      assert.equal(again.hostPublicKey, before);
      assert.equal((await readFile(`${path}.pub`, 'utf8')).trim(), before);
      // What the client saw is that key.
      const r = await ssh(['-v', ...target(h, h.tech), 'health']);
      assert.ok(r.stderr.includes(`Server host key: ssh-ed25519 ${fingerprintOf(Buffer.from(before.split(' ')[1]!, 'base64'))}`), r.stderr);
    } finally {
      await again.stop();
    }
  });

  it('re-reads authorized_keys when it changes: a key added now works at the next login', async () => {
    const late = await sshKeygen(h.dir, 'late_key');
    assert.equal((await ssh([...target(h, late), 'health'])).code, 255);
    await appendFile(h.keysFile, `purser-role="readonly",purser-name="bob" ${late.pub}\nnot a key line\n`);
    const r = await ssh([...target(h, late), 'health']);
    assert.equal(r.code, 0, r.stderr);
    const errors = (await new Promise<ReadonlyArray<{ line: number }>>((resolve) => h.server.state$.subscribe((s) => resolve(s.keyFileErrors)))) ?? [];
    assert.deepEqual(errors.map((e) => e.line), [5]);
  });

  it('survives junk bytes and truncated handshakes, and still lets a good client in', async () => {
    const junk = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const s = connect(h.server.port, '127.0.0.1', () => {
          s.write(bytes);
          setTimeout(() => s.destroy(), 50);
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    await Promise.all([
      junk(Buffer.from('GET / HTTP/1.1\r\n\r\n')),
      junk(Buffer.from('SSH-2.0-evil\r\n')),
      junk(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), Buffer.from([0, 0, 0xff, 0xff, 9, 1, 2, 3])])),
      junk(Buffer.alloc(4096, 0x41)),
      junk(Buffer.from([0xff, 0xfe, 0, 1, 2, 3, 0x0a])),
    ]);
    // A client that sends its version and then a half packet, and stays.
    const half = connect(h.server.port, '127.0.0.1');
    half.on('error', () => undefined);
    half.write('SSH-2.0-OpenSSH_9.2\r\n\x00\x00\x01');
    const r = await ssh([...target(h, h.tech), 'health']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'all ok\n');
    half.destroy();
  });

  it('runs the REPL over a pty: reads live scope, interrupts while(true){} after the limit while timers keep ticking', async () => {
    const s = sshInteractive(target(h, h.tech));
    try {
      await s.waitFor(/purser\(technician\)> $/);
      s.send('js\r');
      await s.waitFor(/js> $/);
      (h.scope.cabin as { counter: number }).counter = 7;
      s.send('cabin.counter * 6\r');
      await s.waitFor(/\r\n42\r\njs> $/);
      s.send('new Promise((r) => setTimeout(() => r("landed"), 300))\r');
      await s.waitFor(/\[Promise #1\][^]*Promise #1 resolved: 'landed'/);
      s.send('const seat = await Promise.resolve(cabin.seats.get("12A"))\r');
      await s.waitFor(/js> $/, 5000, s.screen().length);
      s.send('seat.state\r');
      await s.waitFor(/'ok'\r\njs> $/);

      // The spin: timers in this process record the longest gap between ticks.
      let last = performance.now();
      let worst = 0;
      let ticks = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
        ticks++;
      }, 20);
      const from = s.screen().length;
      const started = performance.now();
      s.send('while (true) {}\r');
      // The default limit (250 ms): a runaway loop holds the cabin's polls a quarter of a second, not seconds.
      await s.waitFor(/interrupted: ran longer than 250 ms/, 10_000, from);
      const took = performance.now() - started;
      const ticksAfter = ticks;
      await new Promise((r) => setTimeout(r, 300));
      clearInterval(timer);
      assert.ok(took >= 240, `the loop ran ${took} ms, at least the limit`);
      assert.ok(worst >= 200, `the event loop was held ${worst} ms: the spin did run (one thread)`);
      assert.ok(worst < 250 + 1000, `the event loop was held ${worst} ms: not more than the limit (plus a loaded machine's margin)`);
      assert.ok(ticks > ticksAfter + 3, 'the timers tick on afterwards');

      // Exceptions stay in the console.
      s.send('setTimeout(() => { throw new Error("from a timer") }, 10); 1\r');
      await s.waitFor(/timer callback threw: Error: from a timer/);
      s.send('(async () => { throw new Error("nobody catches me") })(); 2\r');
      // Printed to the user (by the REPL's own domain, or our rejection hook on exec), never a crash.
      await s.waitFor(/(unhandled rejection: |Uncaught )Error: nobody catches me/);
      s.send('null.x\r');
      await s.waitFor(/TypeError: Cannot read properties of null/);

      // Tab completion on the scope.
      s.send('cabin.cou\t');
      await s.waitFor(/js> cabin\.counter$/);
      s.send('\x15\r');

      // Ctrl-D leaves the REPL for the shell, where commands run; Ctrl-D again leaves.
      s.send('\x04');
      await s.waitFor(/purser\(technician\)> $/, 5000, s.screen().length - 25);
      s.send('seats --zone A\r');
      await s.waitFor(/12A ok\r\npurser\(technician\)> $/);
      s.send('\x04');
      assert.equal(await s.closed, 0);
    } finally {
      s.child.kill('SIGKILL');
    }
    assert.ok(h.audit.some((e) => e.kind === 'eval' && e.command === 'while (true) {}'));
    const history = await readFile(join(h.dir, 'state', 'history', 'alice.js'), 'utf8');
    assert.match(history, /cabin\.counter \* 6\n/);
  });

  it('cancels a following command with Ctrl-C in the shell', async () => {
    const s = sshInteractive(target(h, h.reader));
    try {
      await s.waitFor(/purser\(readonly\)> $/);
      s.send('follow\r');
      await s.waitFor(/tick\r\ntick\r\n/);
      s.send('\x03');
      await s.waitFor(/stopped\r\npurser\(readonly\)> $/);
      s.send('exit\r');
      assert.equal(await s.closed, 0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});

describe('console limits', () => {
  let h: Harness;
  before(async () => {
    h = await startConsole({ throttle: { maxFailures: 3, windowMs: 60_000, lockMs: 60_000 }, maxSessions: 1, idleTimeoutMs: 800 });
  });
  after(() => h?.stop());

  it('closes a session idle for longer than the idle timeout', async () => {
    const s = sshInteractive(target(h, h.tech));
    try {
      await s.waitFor(/purser\(technician\)> $/);
      const started = Date.now();
      await s.closed;
      assert.ok(Date.now() - started >= 500, 'not before the timeout');
    } finally {
      s.child.kill('SIGKILL');
    }
    assert.ok(h.audit.some((e) => e.kind === 'session-close' && /idle/.test(e.detail ?? '')));
  });

  it('refuses a second session beyond maxSessions', async () => {
    await firstValueFrom(h.server.state$.pipe(filter((st) => st.sessions === 0), timeout(5000)));
    const s = sshInteractive(target(h, h.tech));
    try {
      await s.waitFor(/purser\(technician\)> $/);
      const r = await ssh([...target(h, h.tech), 'health']);
      assert.notEqual(r.code, 0);
      assert.ok(h.audit.some((e) => e.kind === 'refused' && e.detail === 'too many console sessions'));
    } finally {
      s.child.kill('SIGKILL');
      await s.closed;
    }
  });

  it('locks an address out after repeated failures, even for a good key', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await ssh([...target(h, h.stranger), 'health'])).code, 255);
    const r = await ssh([...target(h, h.tech), 'health']);
    assert.equal(r.code, 255, 'locked');
    assert.ok(h.audit.some((e) => e.kind === 'auth-failed' && /locked/.test(e.detail ?? '')));
    assert.ok(h.audit.some((e) => e.kind === 'connection-refused' || e.kind === 'auth-locked'));
  });
});

describe('password and keyboard-interactive from an ssh2 client', () => {
  let h: Harness;
  before(async () => {
    h = await startConsole({ throttle: { maxFailures: 3, windowMs: 60_000, lockMs: 60_000 } });
  });
  after(() => h?.stop());

  /** Logs in with ssh2's client trying each method of `plan` in turn; returns how it ended and what the server said could continue. */
  const attempt = (plan: ssh2.AnyAuthMethod[]) =>
    new Promise<{ outcome: string; methodsLeft: Array<string[] | null>; prompted: boolean }>((resolve) => {
      const methodsLeft: Array<string[] | null> = [];
      let prompted = false;
      const c = new ssh2.Client();
      c.on('ready', () => (c.end(), resolve({ outcome: 'logged in', methodsLeft, prompted })));
      c.on('error', (e: Error) => resolve({ outcome: e.message, methodsLeft, prompted }));
      c.on('keyboard-interactive', () => (prompted = true));
      c.connect({
        host: '127.0.0.1',
        port: h.server.port,
        username: 'tech',
        hostVerifier: () => true,
        readyTimeout: 10_000,
        authHandler: (left, _partial, next) => {
          methodsLeft.push(left);
          // false: no more methods (ssh2 takes it; its types do not say so).
          next(plan.shift() ?? (false as never));
        },
      });
    });

  it('refuses both without ever prompting, audits each, and counts them towards the lock-out', async () => {
    const r = await attempt([
      { type: 'password', username: 'tech', password: 'hunter2' },
      { type: 'keyboard-interactive', username: 'tech', prompt: (_n: string, _i: string, _l: string, prompts: ssh2.Prompt[], finish: (answers: string[]) => void) => finish(prompts.map(() => 'hunter2')) },
    ]);
    assert.match(r.outcome, /All configured authentication methods failed/);
    assert.deepEqual(r.methodsLeft, [null, ['publickey'], ['publickey']], 'after each refusal only publickey may continue');
    assert.equal(r.prompted, false, 'the server never asks a keyboard-interactive question');
    const failed = h.audit.filter((e) => e.kind === 'auth-failed').map((e) => [e.login, e.detail]);
    assert.deepEqual(failed, [
      ['tech', 'password authentication is not offered'],
      ['tech', 'keyboard-interactive authentication is not offered'],
    ]);
    // A password guesser is throttled like a key guesser: the third failure locks the address.
    const third = await attempt([{ type: 'password', username: 'root', password: 'root' }]);
    assert.match(third.outcome, /All configured authentication methods failed/);
    assert.match(h.audit.at(-1)?.detail ?? '', /^password authentication is not offered; address now locked$/);
    const good = await ssh([...target(h, h.tech), 'health']);
    assert.equal(good.code, 255, 'locked, even for a good key');
  });
});
