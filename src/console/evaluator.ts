import { inspect, types } from 'node:util';
import vm from 'node:vm';
import { ScopeGuard } from './scope-guard.js';

export type EvalOutcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'promise'; n: number }
  | { kind: 'error'; message: string }
  | { kind: 'incomplete'; error: Error };

export interface EvaluatorOptions {
  /** The live objects the owner exposes; read through getters, so replacing `scope.x` is seen. */
  scope: Record<string, unknown>;
  /** Synchronous run time limit for one evaluation or one timer callback. */
  timeoutMs: number;
  /** Writes a line that arrives asynchronously (a Promise settling, console.log from a timer). */
  print(text: string): void;
  colors?: boolean;
}

const RECOVERABLE = /Unexpected end of input|Unterminated template literal|missing \) after argument list$/;

/** Live evaluators by their context's Promise.prototype, to claim unhandled rejections from console code. */
const live = new Map<object, Evaluator>();
let rejectionHook: ((reason: unknown, promise: Promise<unknown>) => void) | undefined;
let foreignRejection: (reason: unknown) => void = (reason) => {
  process.emitWarning(`unhandled rejection outside the console: ${types.isNativeError(reason) ? (reason as Error).stack : inspect(reason)}`);
};

/**
 * Who hears an unhandled rejection that is not the console's while the hook
 * is installed (the feature passes its logger). The hook never rethrows: a
 * console being open must not decide that some other part's lost promise
 * ends the controller.
 */
export function onForeignRejection(fn: (reason: unknown) => void): void {
  foreignRejection = fn;
}

let callbackError: (where: string, err: unknown) => void = () => undefined;

/** Who counts a console callback (timer, listener, subscriber) that threw; the throw itself is printed to its session. */
export function onConsoleCallbackError(fn: (where: string, err: unknown) => void): void {
  callbackError = fn;
}

function installRejectionHook(): void {
  if (rejectionHook) return;
  rejectionHook = (reason, promise) => {
    const owner = live.get(Object.getPrototypeOf(promise) as object);
    if (owner) {
      owner.printError('unhandled rejection', reason);
      return;
    }
    // Not ours. Another listener (the controller's own) handles it; if we are alone, report it, never crash for it.
    if (process.listenerCount('unhandledRejection') > 1) return;
    try {
      foreignRejection(reason);
    } catch {
      /* the reporter's own failure must not turn into a crash either */
    }
  };
  process.on('unhandledRejection', rejectionHook);
}

function removeRejectionHook(): void {
  if (rejectionHook && live.size === 0) {
    process.off('unhandledRejection', rejectionHook);
    rejectionHook = undefined;
  }
}

/**
 * The manhole's evaluator: runs a technician's JavaScript in a vm context
 * whose globals are the owner's scope, under a time limit (vm's `timeout`:
 * `while(true){}` is interrupted and the controller carries on), with top-level
 * await, numbered Promises whose settlement is printed when it comes, and
 * timers whose callbacks run under the same limit and whose exceptions are
 * printed instead of crashing the process. It is a debugging tool, not a
 * sandbox: scope objects lead back to the whole process.
 */
export class Evaluator {
  readonly context: vm.Context;
  #promiseNo = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #immediates = new Set<NodeJS.Immediate>();
  readonly #runCallback: vm.Script;
  readonly #promiseProto: object;
  #disposed = false;
  #cancel: (() => void) | undefined;
  readonly #scopeGuard = new ScopeGuard((where, fn) => this.#call(where, fn));

  constructor(private readonly opts: EvaluatorOptions) {
    const sandbox: Record<string, unknown> = {};
    this.context = vm.createContext(sandbox, { name: 'purser console' });
    this.#runCallback = new vm.Script('globalThis.__purserCallback()', { filename: 'console-timer' });
    this.#promiseProto = vm.runInContext('Promise.prototype', this.context) as object;
    live.set(this.#promiseProto, this);
    installRejectionHook();
    const c = this.context as Record<string, unknown>;
    const print = (...args: unknown[]) => this.opts.print(args.map((a) => (typeof a === 'string' ? a : this.inspect(a))).join(' '));
    c.console = { log: print, info: print, warn: print, error: print, debug: print, dir: (v: unknown) => print(v) };
    c.inspect = (v: unknown, o?: object) => inspect(v, o);
    c.scope = this.#scopeGuard.wrap(opts.scope);
    c.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#timer(fn, args);
      }, ms);
      this.#timers.add(t);
      return t;
    };
    c.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const t = setInterval(() => this.#timer(fn, args), ms);
      this.#timers.add(t);
      return t;
    };
    c.clearTimeout = c.clearInterval = (t: NodeJS.Timeout) => {
      clearTimeout(t);
      this.#timers.delete(t);
    };
    c.setImmediate = (fn: (...a: unknown[]) => void, ...args: unknown[]) => {
      const t = setImmediate(() => {
        this.#immediates.delete(t);
        this.#timer(fn, args);
      });
      this.#immediates.add(t);
      return t;
    };
    this.#refreshScope();
  }

  inspect(v: unknown): string {
    return inspect(v, { colors: this.opts.colors ?? false, depth: 2, maxArrayLength: 50, breakLength: 100 });
  }

  printError(what: string, err: unknown): void {
    this.opts.print(`${what}: ${this.describeError(err)}`);
  }

  describeError(err: unknown): string {
    if (types.isNativeError(err)) {
      const e = err as Error;
      if (/Script execution timed out/.test(e.message)) {
        return `interrupted: ran longer than ${this.opts.timeoutMs} ms (the controller kept running)`;
      }
      // Only the frames of the technician's own code: everything from vm's entry point down is ours.
      const frames: string[] = [];
      for (const l of (e.stack ?? '').split('\n').slice(1)) {
        if (/node:vm|node:internal|[\\/]src[\\/]console[\\/]/.test(l)) break;
        frames.push(l);
      }
      return [`${e.name}: ${e.message}`, ...frames.slice(0, 6)].join('\n');
    }
    return `thrown ${this.inspect(err)}`;
  }

  /** Interrupts a pending top-level await: the promise keeps running and gets a number. */
  cancelPending(): boolean {
    const c = this.#cancel;
    if (!c) return false;
    c();
    return true;
  }

  get pending(): boolean {
    return this.#cancel !== undefined;
  }

  async evaluate(code: string): Promise<EvalOutcome> {
    if (this.#disposed) return { kind: 'error', message: 'the console is closed' };
    this.#refreshScope();
    const compiled = this.#compile(code);
    if ('kind' in compiled) return compiled;
    let result: unknown;
    try {
      result = compiled.script.runInContext(this.context, { timeout: this.opts.timeoutMs, displayErrors: false });
    } catch (e) {
      return { kind: 'error', message: this.describeError(e) };
    }
    if (compiled.awaited) {
      const p = result as Promise<unknown>;
      const cancelled = new Promise<'cancelled'>((resolve) => (this.#cancel = () => resolve('cancelled')));
      try {
        const r = await Promise.race([p.then((value) => ({ value })), cancelled]);
        if (r === 'cancelled') return { kind: 'promise', n: this.#track(p) };
        this.#setLast(r.value);
        return { kind: 'value', value: r.value };
      } catch (e) {
        return { kind: 'error', message: `Uncaught ${this.describeError(e)}` };
      } finally {
        this.#cancel = undefined;
      }
    }
    if (isThenable(result)) return { kind: 'promise', n: this.#track(result) };
    this.#setLast(result);
    return { kind: 'value', value: result };
  }

  dispose(): void {
    this.#disposed = true;
    this.#cancel?.();
    for (const t of this.#timers) clearTimeout(t);
    for (const t of this.#immediates) clearImmediate(t);
    this.#timers.clear();
    this.#immediates.clear();
    this.#scopeGuard.close();
    live.delete(this.#promiseProto);
    removeRejectionHook();
  }

  #track(p: PromiseLike<unknown>): number {
    const n = ++this.#promiseNo;
    p.then(
      (v) => {
        if (!this.#disposed) this.opts.print(`Promise #${n} resolved: ${this.inspect(v)}`);
      },
      (e) => {
        if (!this.#disposed) this.opts.print(`Promise #${n} rejected: ${this.describeError(e)}`);
      },
    );
    return n;
  }

  #setLast(v: unknown): void {
    (this.context as Record<string, unknown>)._ = v;
  }

  #timer(fn: (...a: unknown[]) => void, args: unknown[]): void {
    if (typeof fn === 'function') this.#call('timer callback', () => fn(...args));
  }

  /**
   * Runs a callback of the technician's (a timer, a listener, a subscriber)
   * under the time limit; what it throws is printed to the session and
   * counted, never thrown into whoever called it (the controller).
   */
  #call(where: string, fn: () => unknown): unknown {
    if (this.#disposed) return undefined;
    (this.context as Record<string, unknown>).__purserCallback = fn;
    try {
      return this.#runCallback.runInContext(this.context, { timeout: this.opts.timeoutMs, displayErrors: false });
    } catch (e) {
      this.printError(`${where} threw`, e);
      try {
        callbackError(where, e);
      } catch {
        /* counting must not turn into a crash */
      }
      return undefined;
    }
  }

  /** Each own key of scope becomes a global getter, added as the scope grows. */
  #refreshScope(): void {
    const c = this.context as Record<string, unknown>;
    for (const key of Object.keys(this.opts.scope)) {
      if (Object.prototype.hasOwnProperty.call(c, key)) continue;
      Object.defineProperty(c, key, { get: () => this.#scopeGuard.wrap(this.opts.scope[key]), enumerable: true, configurable: true });
    }
  }

  #compile(code: string): { script: vm.Script; awaited: boolean } | EvalOutcome {
    const src = code.replace(/\n$/, '');
    const opts = { filename: 'console' };
    // `{ a: 1 }` means an object, as in Node's REPL, not a block.
    if (/^\s*\{/.test(src) && !/;\s*$/.test(src)) {
      try {
        return { script: new vm.Script(`(${src}\n)`, opts), awaited: false };
      } catch {
        /* a block after all */
      }
    }
    let first: unknown;
    try {
      return { script: new vm.Script(src, opts), awaited: false };
    } catch (e) {
      first = e;
    }
    if (/\bawait\b/.test(src)) {
      for (const wrapped of awaitWrappings(src)) {
        try {
          return { script: new vm.Script(wrapped, opts), awaited: true };
        } catch {
          /* next form */
        }
      }
    }
    const message = (first as Error)?.message ?? String(first);
    if (RECOVERABLE.test(message)) return { kind: 'incomplete', error: first as Error };
    return { kind: 'error', message: `SyntaxError: ${message}` };
  }
}

/**
 * Top-level await without Node's internal source rewriter: an expression is
 * awaited as is; `const|let|var x = await ...` keeps `x` as a global (so the
 * next line sees it); other statements run in an async body (their own
 * declarations stay local: a documented limit).
 */
function awaitWrappings(src: string): string[] {
  const out = [`(async () => (\n${src}\n))()`];
  const decl = /^\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([\s\S]+?);?\s*$/.exec(src);
  if (decl) out.push(`(async () => (globalThis[${JSON.stringify(decl[1])}] = (\n${decl[2]}\n)))()`);
  out.push(`(async () => {\n${src}\n})()`);
  return out;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
