import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { Evaluator } from '../../src/console/evaluator.js';
import { ConsoleSession } from '../../src/console/session.js';
import { testCommands } from './helpers.js';

function evaluator(scope: Record<string, unknown> = {}) {
  const printed: string[] = [];
  const ev = new Evaluator({ scope, timeoutMs: 300, print: (t) => printed.push(t) });
  return { ev, printed };
}

describe('console evaluator', () => {
  it("guards the callbacks a technician hands to scope objects: a throw is printed, never thrown into the emitter's caller; detached when the session ends", async () => {
    class Registry {
      readonly #seats = new Map([['12A', { status: 'online' }]]);
      get(id: string) {
        return this.#seats.get(id);
      }
    }
    const emitter = new EventEmitter();
    const bus = new Subject<string>();
    const scope: Record<string, unknown> = { emitter, bus: { events$: bus.asObservable() }, registry: new Registry(), seats: new Map([['1A', 1]]) };
    const { ev, printed } = evaluator(scope);
    // Methods still reach private fields and Map internals through the scope.
    assert.deepEqual(await ev.evaluate("registry.get('12A').status + seats.get('1A')"), { kind: 'value', value: 'online1' });
    await ev.evaluate('globalThis.heard = []; emitter.on("poll", (n) => { heard.push(n); if (n === 2) throw new Error("listener bug") })');
    await ev.evaluate('bus.events$.subscribe((e) => { throw new Error("subscriber bug " + e) })');
    await ev.evaluate('emitter.once("spin", () => { while (true) {} })');
    // The controller's side: emitting and publishing must not throw, whatever the technician's callbacks do.
    assert.doesNotThrow(() => {
      emitter.emit('poll', 1);
      emitter.emit('poll', 2);
      emitter.emit('poll', 3);
      bus.next('seat.online');
    });
    const t0 = performance.now();
    assert.doesNotThrow(() => emitter.emit('spin'));
    assert.ok(performance.now() - t0 < 2000, 'a spinning listener is interrupted at the time limit');
    assert.deepEqual(await ev.evaluate('heard.join()'), { kind: 'value', value: '1,2,3' });
    assert.match(printed.join('\n'), /listener for poll threw: Error: listener bug/);
    assert.match(printed.join('\n'), /subscriber threw: Error: subscriber bug seat\.online/);
    assert.match(printed.join('\n'), /listener for spin threw: interrupted: ran longer than 300 ms/);
    // off() with the technician's own function finds the guarded one.
    await ev.evaluate('const f = () => heard.push("f"); emitter.on("x", f); emitter.off("x", f)');
    assert.equal(emitter.listenerCount('x'), 0);
    assert.equal(emitter.listenerCount('poll'), 1);
    ev.dispose();
    assert.equal(emitter.listenerCount('poll'), 0, 'what the session attached is detached with it');
    assert.equal(bus.observed, false, 'and its subscriptions are unsubscribed');
  });

  it('reads the scope live, keeps declarations, and awaits at top level', async () => {
    const scope: Record<string, unknown> = { cabin: { n: 1 } };
    const { ev } = evaluator(scope);
    assert.deepEqual(await ev.evaluate('cabin.n'), { kind: 'value', value: 1 });
    scope.cabin = { n: 2 };
    assert.deepEqual(await ev.evaluate('cabin.n'), { kind: 'value', value: 2 }, 'a replaced scope entry is seen');
    scope.late = 'added later';
    assert.deepEqual(await ev.evaluate('late'), { kind: 'value', value: 'added later' });
    await ev.evaluate('const k = 5');
    assert.deepEqual(await ev.evaluate('k * 2'), { kind: 'value', value: 10 });
    assert.deepEqual(await ev.evaluate('await Promise.resolve(3)'), { kind: 'value', value: 3 });
    await ev.evaluate('const got = await Promise.resolve("kept")');
    assert.deepEqual(await ev.evaluate('got'), { kind: 'value', value: 'kept' });
    const obj = await ev.evaluate('{ a: 1 }');
    assert.equal(JSON.stringify(obj), JSON.stringify({ kind: 'value', value: { a: 1 } }), 'an object, not a block');
    assert.equal((await ev.evaluate('function f() {')).kind, 'incomplete');
    ev.dispose();
  });

  it('numbers Promise results and prints their settlement when it comes', async () => {
    const { ev, printed } = evaluator();
    assert.deepEqual(await ev.evaluate('new Promise((r) => setTimeout(() => r(7), 20))'), { kind: 'promise', n: 1 });
    assert.deepEqual(await ev.evaluate('Promise.reject(new Error("no"))'), { kind: 'promise', n: 2 });
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(printed.map((p) => p.split('\n')[0]).sort(), ['Promise #1 resolved: 7', 'Promise #2 rejected: Error: no'].sort());
    assert.match(printed.find((p) => p.includes('#2'))!, /at console:1:/, 'the stack shows where in the typed code');
    ev.dispose();
  });

  it('interrupts a spin at the limit, in an evaluation and in a timer callback', async () => {
    const { ev, printed } = evaluator();
    const t0 = performance.now();
    const r = await ev.evaluate('while (true) {}');
    assert.equal(r.kind, 'error');
    assert.match((r as { message: string }).message, /interrupted: ran longer than 300 ms/);
    assert.ok(performance.now() - t0 < 300 + 1500);
    await ev.evaluate('setTimeout(() => { for (;;) {} }, 5)');
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(printed.some((p) => /timer callback threw: interrupted/.test(p)), printed.join('\n'));
    ev.dispose();
  });

  it('cancels a pending top-level await: the promise gets a number and is printed later', async () => {
    const { ev, printed } = evaluator();
    const pending = ev.evaluate('await new Promise((r) => setTimeout(() => r("late"), 50))');
    await new Promise((r) => setImmediate(r));
    assert.equal(ev.cancelPending(), true);
    assert.deepEqual(await pending, { kind: 'promise', n: 1 });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(printed, ["Promise #1 resolved: 'late'"]);
    ev.dispose();
  });

  it('claims unhandled rejections of console code instead of crashing', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/unhandled-rejection.ts', import.meta.url))], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { printed: string[]; listeners: number };
    assert.ok(out.printed.some((p) => p.startsWith('unhandled rejection: Error: lost')), out.printed.join('\n'));
    assert.equal(out.listeners, 0, 'the hook leaves with the last console');
  });

  it('reports, and never crashes on, a rejection lost elsewhere in the controller while a console is open', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/foreign-rejection.ts', import.meta.url))], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { reported: string[]; alive: boolean };
    assert.deepEqual(out.reported, ['elsewhere']);
  });

  it('never throws out on arbitrary code or hostile scope names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'globalThis', 'scope'), async (code, key) => {
        const { ev } = evaluator({ [key]: 1, ok: 2 });
        try {
          const r = await ev.evaluate(code.replace(/while|for|await|setTimeout|setInterval|setImmediate/g, ''));
          assert.ok(['value', 'promise', 'error', 'incomplete'].includes(r.kind));
        } finally {
          ev.dispose();
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** A fake ssh2 channel: what the session writes is collected; `exit` records the status. */
class FakeChannel extends EventEmitter {
  written = '';
  errors = '';
  status: number | undefined;
  stderr = { write: (d: string | Buffer) => ((this.errors += d.toString()), true) };
  write(d: string | Buffer) {
    this.written += d.toString();
    return true;
  }
  exit(code: number) {
    this.status = code;
  }
  end() {
    this.emit('close');
  }
}

describe('command dispatch', () => {
  it('treats hostile names as unknown commands, whatever the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-console-hist-'));
    try {
      const run = async (line: string) => {
        const ch = new FakeChannel();
        const s = new ConsoleSession(ch, {
          user: { name: 'bob', role: 'readonly', login: 'x', fingerprint: 'SHA256:x', address: '127.0.0.1' },
          commands: testCommands,
          scope: {},
          evalTimeoutMs: 100,
          historyDir: dir,
          audit: () => undefined,
          touch: () => undefined,
        });
        await s.exec(line, null);
        return ch;
      };
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const ch = await run(name);
        assert.equal(ch.status, 127, name);
        assert.match(ch.errors, new RegExp(`unknown command ${name}`));
      }
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 40 }), async (line) => {
          if (/^\s*(follow|js|\.js|eval)\b/.test(line)) return;
          const ch = await run(line);
          assert.ok(Number.isInteger(ch.status) && ch.status! >= 0 && ch.status! <= 255);
        }),
        { numRuns: 100 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
