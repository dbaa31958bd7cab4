/**
 * What features offer each other, by name (the poll responder, the command
 * service, the principal resolver, ...). Declared by the providing feature
 * from its own folder by declaration merging:
 *
 *   declare module '../contract/capabilities.js' {
 *     interface Capabilities { commands: CommandService }
 *   }
 *
 * provided from its `setup()` (`provides`), and looked up by name with
 * `ctx.need('commands')`: never set on the context by mutation.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Capabilities {}

export type CapabilityName = keyof Capabilities;

/** A capability asked for before any feature provided it: a feature-order mistake, named at start. */
export class MissingCapabilityError extends Error {
  constructor(readonly capability: string, readonly neededBy: string) {
    super(`feature ${neededBy} needs '${capability}', which no earlier feature provides (check the feature list's order)`);
  }
}

export class DuplicateCapabilityError extends Error {
  constructor(readonly capability: string, readonly first: string, readonly second: string) {
    super(`'${capability}' is provided twice: by ${first} and by ${second}`);
  }
}

/** The controller's table of provided capabilities. */
export class CapabilityTable {
  readonly #provided = new Map<string, { by: string; value: unknown }>();

  provide<K extends CapabilityName>(name: K, value: Capabilities[K], by: string): void {
    const had = this.#provided.get(name);
    if (had) throw new DuplicateCapabilityError(name, had.by, by);
    this.#provided.set(name, { by, value });
  }

  need<K extends CapabilityName>(name: K, neededBy: string): Capabilities[K] {
    const had = this.#provided.get(name);
    if (!had) throw new MissingCapabilityError(name, neededBy);
    return had.value as Capabilities[K];
  }

  /** For capabilities a feature can do without (e.g. the PA pausing channels only where there are channels). */
  find<K extends CapabilityName>(name: K): Capabilities[K] | undefined {
    return this.#provided.get(name)?.value as Capabilities[K] | undefined;
  }
}
