import type { TSchema } from '@sinclair/typebox';
import type { CoreConfig } from '../config/schema.js';

/**
 * The config sections features add, by key. A feature declares its section's
 * schema once (TypeBox: JSON Schema and its TypeScript type from one source)
 * and merges the type in from its own folder:
 *
 *   export const paSection = Type.Object({ ... }, { default: {} });
 *   declare module '../contract/config.js' {
 *     interface ConfigSections { pa: Static<typeof paSection> }
 *   }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ConfigSections {}

/** The validated config, defaults applied: the spine's keys and every feature's section. */
export type PurserConfig = CoreConfig & ConfigSections;

/** A problem that a schema cannot express (a PIN hash that does not parse, two channels on one group). */
export interface ConfigProblem {
  /** Dotted key path from the top, e.g. `panel.crewPinHash`. */
  keyPath: string;
  reason: string;
}

/** One section a feature owns: its key, its schema, and checks beyond the schema, all run before anything starts. */
export interface ConfigSection {
  schema: TSchema;
  check?(value: unknown, config: PurserConfig): ConfigProblem[];
}
