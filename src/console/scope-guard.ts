import { types } from 'node:util';

/** Methods that register a callback the controller will call later, by property name. */
const LISTEN = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);
const UNLISTEN = new Set(['off', 'removeListener']);

type Kind = 'listen' | 'unlisten' | 'subscribe' | 'plain';
type AnyFn = (...a: unknown[]) => unknown;

/**
 * What the REPL sees of the owner's scope: every object reached from it is a
 * Proxy that calls methods on the real object (so private fields and Map
 * methods work) and, where the technician hands the controller a callback
 * (`emitter.on(...)`, `observable.subscribe(...)`), hands it a guarded one
 * instead: run under the console's time limit, its throw printed to the
 * session and counted, never thrown into the controller's code. What the
 * session attached is detached when it ends. Promises pass through as they
 * are (a `.then` callback's throw must still reject its promise), and so do
 * frozen properties (a Proxy may not change them). Not a sandbox.
 */
export class ScopeGuard {
  readonly #proxies = new WeakMap<object, object>();
  readonly #targets = new WeakMap<object, object>();
  readonly #fnProxies = new WeakMap<AnyFn, Map<Kind, AnyFn>>();
  readonly #guarded = new WeakMap<AnyFn, AnyFn>();
  readonly #undo = new Set<() => void>();
  #closed = false;

  /** `run` calls a callback under the time limit; it catches and reports (printing, counting) what it throws. */
  constructor(private readonly run: (where: string, fn: () => unknown) => unknown) {}

  /** The value as the REPL should see it. */
  wrap<T>(v: T): T {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    const o = v as unknown as object;
    if (this.#targets.has(o) || types.isPromise(o)) return v;
    let p = this.#proxies.get(o);
    if (!p) {
      p = typeof o === 'function' ? this.#fnProxy(o as AnyFn, 'plain') : new Proxy(o, this.#handler());
      this.#proxies.set(o, p);
      this.#targets.set(p, o);
    }
    return p as T;
  }

  /** Detaches every listener and subscription this session made through the scope. */
  close(): void {
    this.#closed = true;
    for (const undo of this.#undo) {
      try {
        undo();
      } catch {
        /* already gone */
      }
    }
    this.#undo.clear();
  }

  #unwrap(v: unknown): unknown {
    return (typeof v === 'object' || typeof v === 'function') && v !== null ? (this.#targets.get(v) ?? v) : v;
  }

  #handler(): ProxyHandler<object> {
    return {
      get: (target, prop) => {
        const d = Object.getOwnPropertyDescriptor(target, prop);
        const value: unknown = Reflect.get(target, prop, target);
        // A Proxy must return a frozen property's very value.
        if (d && !d.configurable && (d.writable === false || (d.get === undefined && d.set !== undefined))) return value;
        if (typeof value === 'function') {
          const kind: Kind = typeof prop !== 'string' ? 'plain' : LISTEN.has(prop) ? 'listen' : UNLISTEN.has(prop) ? 'unlisten' : prop === 'subscribe' ? 'subscribe' : 'plain';
          return this.#cachedFn(value as AnyFn, kind);
        }
        return this.wrap(value);
      },
      set: (target, prop, value) => Reflect.set(target, prop, this.#unwrap(value), target),
    };
  }

  #cachedFn(fn: AnyFn, kind: Kind): AnyFn {
    let byKind = this.#fnProxies.get(fn);
    if (!byKind) this.#fnProxies.set(fn, (byKind = new Map()));
    let p = byKind.get(kind);
    if (!p) {
      p = this.#fnProxy(fn, kind);
      byKind.set(kind, p);
      this.#targets.set(p, fn);
    }
    return p;
  }

  #fnProxy(fn: AnyFn, kind: Kind): AnyFn {
    return new Proxy(fn, {
      apply: (f, thisArg, argArray: unknown[]) => {
        const self = this.#unwrap(thisArg);
        const args = argArray.map((a) => this.#unwrap(a));
        if (kind === 'listen' && typeof args[1] === 'function') {
          const event = args[0];
          const g = (args[1] = this.#callback(args[1] as AnyFn, `listener for ${String(event)}`));
          const r = Reflect.apply(f, self, args);
          const emitter = self as { removeListener?: (e: unknown, l: AnyFn) => unknown };
          if (typeof emitter?.removeListener === 'function') this.#undo.add(() => emitter.removeListener!(event, g));
          return r === self ? thisArg : this.wrap(r);
        }
        if (kind === 'unlisten' && typeof args[1] === 'function') args[1] = this.#guarded.get(args[1] as AnyFn) ?? args[1];
        if (kind === 'subscribe') {
          this.#guardObserver(args);
          const sub = Reflect.apply(f, self, args) as { unsubscribe?: () => void } | undefined;
          if (typeof sub?.unsubscribe === 'function') this.#undo.add(() => sub.unsubscribe!());
          return this.wrap(sub);
        }
        const r = Reflect.apply(f, self, args);
        return r === self ? thisArg : this.wrap(r);
      },
      construct: (f, argArray: unknown[], newTarget) => this.wrap(Reflect.construct(f, argArray.map((a) => this.#unwrap(a)), newTarget === this.#proxies.get(f) ? f : newTarget)),
    });
  }

  /** subscribe(next, error, complete) or subscribe({ next, error, complete }): each callback guarded. */
  #guardObserver(args: unknown[]): void {
    for (let i = 0; i < 3; i++) if (typeof args[i] === 'function') args[i] = this.#callback(args[i] as AnyFn, 'subscriber');
    const o = args[0];
    if (typeof o === 'object' && o !== null) {
      const guarded: Record<string, unknown> = {};
      for (const k of ['next', 'error', 'complete'] as const) {
        const h = (o as Record<string, unknown>)[k];
        if (typeof h === 'function') guarded[k] = this.#callback((h as AnyFn).bind(o), `subscriber's ${k}`);
      }
      args[0] = guarded;
    }
  }

  #callback(fn: AnyFn, where: string): AnyFn {
    let g = this.#guarded.get(fn);
    if (!g) {
      const guard = this;
      g = function (this: unknown, ...a: unknown[]) {
        if (guard.#closed) return undefined;
        const self = guard.wrap(this);
        const args = a.map((x) => guard.wrap(x));
        return guard.run(where, () => Reflect.apply(fn, self, args));
      };
      this.#guarded.set(fn, g);
    }
    return g;
  }
}
