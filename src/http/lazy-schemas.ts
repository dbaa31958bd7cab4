import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify compiles every route's validators (ajv) and response serializers
 * (fast-json-stringify) inside `ready()`, before the first request is
 * answered: about 300 ms of a quiet core here, a second on a loaded one, and
 * the largest part of a start after a power cut. These compilers hand fastify
 * a function that compiles its schema on first use instead, with fastify's
 * own compilers and options, so seats are answered as soon as the port is
 * open; `warm()` then compiles what is left, one schema per turn of the event
 * loop, so no request pays for it later and a bad schema is found within
 * seconds of the start rather than at a technician's first click.
 */
export class LazySchemas {
  readonly #pending = new Set<() => void>();
  #compiled = 0;

  /** For Fastify({ schemaController }). */
  get controller(): NonNullable<FastifyServerOptions['schemaController']> {
    const buildValidator = AjvCompiler();
    const buildSerializer = SerializerSelector();
    return {
      compilersFactory: {
        buildValidator: (externals: unknown, options: unknown) => {
          const compile = (buildValidator as (e: unknown, o: unknown) => (route: unknown) => Validator)(externals, options);
          return (route: unknown) => this.#lazyValidator(() => compile(route));
        },
        buildSerializer: (externals: unknown, options: unknown) => {
          const compile = (buildSerializer as (e: unknown, o: unknown) => (route: unknown) => (data: unknown) => string)(externals, options);
          return (route: unknown) => this.#lazy(() => compile(route));
        },
      },
    } as NonNullable<FastifyServerOptions['schemaController']>;
  }

  /** Schemas not compiled yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Schemas compiled so far, on first use or by warm(). */
  get compiled(): number {
    return this.#compiled;
  }

  /**
   * Compiles every schema still pending, yielding to the event loop between
   * two; resolves with the errors (a schema that does not compile), rejects never.
   */
  async warm(stopped: () => boolean = () => false): Promise<Error[]> {
    const errors: Error[] = [];
    for (const compile of [...this.#pending]) {
      if (stopped()) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        compile();
      } catch (e) {
        errors.push(e as Error);
      }
    }
    return errors;
  }

  #lazy<F extends (data: never) => unknown>(compile: () => F): F {
    let fn: F | undefined;
    const force = () => {
      if (fn) return fn;
      this.#pending.delete(force);
      fn = compile();
      this.#compiled++;
      return fn;
    };
    this.#pending.add(force);
    return ((data: never) => force()(data)) as F;
  }

  /** A validator: fastify reads `.errors` after a call returned false. */
  #lazyValidator(compile: () => Validator): Validator {
    let real: Validator | undefined;
    const call = this.#lazy(() => (real = compile()));
    Object.defineProperty(call, 'errors', { get: () => real?.errors ?? null, enumerable: true });
    return call as Validator;
  }
}

type Validator = ((data: unknown) => boolean | Promise<unknown>) & { errors?: unknown };
