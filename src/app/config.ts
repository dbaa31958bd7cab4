import type { ConfigSection, PurserConfig } from '../contract/config.js';
import type { Feature } from '../contract/feature.js';
import { loadConfigFile as loadWith, validateConfig as validateWith } from '../config/load.js';
import type { Layout } from '../config/layout.js';
import { coreProperties } from '../config/schema.js';
import { defaultFeatures } from './features.js';

export { ConfigError, defaultStateDir } from '../config/load.js';

/** Two features (or a feature and the spine) claiming one config key: the second would silently replace the first's schema. */
export class ConfigSectionClaimError extends Error {}

/** Every config section the features own, by key, with its owner; a key claimed twice, or one of the spine's, is a mistake named at start. */
function sectionOwners(features: Feature[]): Map<string, { by: string; section: ConfigSection }> {
  const out = new Map<string, { by: string; section: ConfigSection }>();
  for (const f of features) {
    for (const [key, section] of Object.entries(f.config ?? {})) {
      if (Object.hasOwn(coreProperties, key)) throw new ConfigSectionClaimError(`config section ${key} is the spine's (src/config/schema.ts); feature ${f.name} cannot claim it`);
      const had = out.get(key);
      if (had) throw new ConfigSectionClaimError(`config section ${key} is claimed by features ${had.by} and ${f.name}`);
      out.set(key, { by: f.name, section });
    }
  }
  return out;
}

/** Every config section the features own, by key. */
export function featureSections(features: Feature[]): Record<string, ConfigSection> {
  return Object.fromEntries([...sectionOwners(features)].map(([key, { section }]) => [key, section]));
}

const defaultOwners = sectionOwners(defaultFeatures());
const defaults = featureSections(defaultFeatures());

/** The default features' sections, plus those of any other features (a test's own, say), which may not claim a default one's key. */
function sectionsWith(features: Feature[] = []): Record<string, ConfigSection> {
  const extra = [...sectionOwners(features)].filter(([key, { section }]) => defaults[key]?.schema !== section.schema);
  for (const [key, { by }] of extra) {
    const had = defaultOwners.get(key);
    if (had) throw new ConfigSectionClaimError(`config section ${key} is claimed by features ${had.by} and ${by}`);
  }
  if (extra.length === 0) return defaults;
  // The same sections give the same object, so the loader's compiled validator is reused (compiling costs ~0.2 s).
  const key = extra.map(([k]) => k).sort().join(',');
  let sections = withExtra.get(key);
  // Keyed by name: another feature's section under the same key is another validator.
  if (!sections || extra.some(([k, { section }]) => sections![k]!.schema !== section.schema)) {
    withExtra.set(key, (sections = { ...defaults, ...Object.fromEntries(extra.map(([k, { section }]) => [k, section])) }));
  }
  return sections;
}

const withExtra = new Map<string, Record<string, ConfigSection>>();

/** Validates a config against the spine's keys and every feature's section. */
export function validateConfig(raw: unknown, opts: { file?: string; stateDir?: string; features?: Feature[] } = {}): { config: PurserConfig; layout: Layout } {
  return validateWith(raw, sectionsWith(opts.features), opts);
}

export function loadConfigFile(file: string, features?: Feature[]): Promise<{ config: PurserConfig; layout: Layout }> {
  return loadWith(file, sectionsWith(features));
}
