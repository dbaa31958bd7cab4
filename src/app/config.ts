import type { ConfigSection, PurserConfig } from '../contract/config.js';
import type { Feature } from '../contract/feature.js';
import { loadConfigFile as loadWith, validateConfig as validateWith } from '../config/load.js';
import type { Layout } from '../config/layout.js';
import { defaultFeatures } from './features.js';

export { ConfigError, defaultStateDir } from '../config/load.js';

/** Every config section the features own, by key; two features claiming one key is a mistake named at start. */
export function featureSections(features: Feature[]): Record<string, ConfigSection> {
  const out: Record<string, ConfigSection> = {};
  const owner = new Map<string, string>();
  for (const f of features) {
    for (const [key, section] of Object.entries(f.config ?? {})) {
      const had = owner.get(key);
      if (had) throw new Error(`config section ${key} is claimed by features ${had} and ${f.name}`);
      owner.set(key, f.name);
      out[key] = section;
    }
  }
  return out;
}

const defaults = featureSections(defaultFeatures());

/** The default features' sections, plus those of any other features (a test's own, say). */
function sectionsWith(features: Feature[] = []): Record<string, ConfigSection> {
  const extra = Object.entries(featureSections(features)).filter(([key, section]) => defaults[key]?.schema !== section.schema);
  if (extra.length === 0) return defaults;
  // The same sections give the same object, so the loader's compiled validator is reused (compiling costs ~0.2 s).
  const key = extra.map(([k]) => k).sort().join(',');
  let sections = withExtra.get(key);
  if (!sections) withExtra.set(key, (sections = { ...defaults, ...Object.fromEntries(extra) }));
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
