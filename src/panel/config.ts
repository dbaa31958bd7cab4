import { Type, type Static } from '@sinclair/typebox';
import { parsePinHash, PinHashError } from '../auth/pin-hash.js';
import type { PinHolder } from '../auth/pin-match.js';
import { isReservedName, PERSON_NAME_MAX, PERSON_NAME_PATTERN, PERSON_NAME_RULE, personNameKey } from '../auth/person-name.js';
import type { ConfigProblem } from '../contract/config.js';
import { Section } from '../config/formats.js';

/** Every login checks the PIN against every entry (src/auth/pin-match.ts): this bounds what one login costs. */
export const MAX_PEOPLE = 64;

/** One crew member or technician with a PIN of their own: what they do is recorded under their name. */
const personSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: PERSON_NAME_MAX, pattern: PERSON_NAME_PATTERN, description: PERSON_NAME_RULE }),
    // An enum, not a union of literals: its error reads "must be one of crew, technician".
    role: Type.Unsafe<'crew' | 'technician'>({ type: 'string', enum: ['crew', 'technician'] }),
    pinHash: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/**
 * `panel:`: the crew's touchscreen. PINs are scrypt hashes made by `purser
 * pin-hash`; never plain PINs. `people` gives each person a PIN of their own;
 * the shared role PINs still work beside them (or alone, as before).
 */
export const panelSection = Section({
  crewPinHash: Type.Optional(Type.String({ minLength: 1 })),
  technicianPinHash: Type.Optional(Type.String({ minLength: 1 })),
  people: Type.Optional(Type.Array(personSchema, { maxItems: MAX_PEOPLE })),
});

export type PanelConfig = Static<typeof panelSection>;

declare module '../contract/config.js' {
  interface ConfigSections {
    panel: PanelConfig;
  }
}

const ROLE_KEYS = [
  ['crew', 'crewPinHash'],
  ['technician', 'technicianPinHash'],
] as const;

interface Entry {
  keyPath: string;
  encoded: string;
  holder: Omit<PinHolder, 'hash'>;
}

function entries(panel: PanelConfig): Entry[] {
  const out: Entry[] = [];
  for (const [role, key] of ROLE_KEYS) {
    const encoded = panel[key];
    if (encoded !== undefined) out.push({ keyPath: `panel.${key}`, encoded, holder: { role, keyPath: `panel.${key}` } });
  }
  (panel.people ?? []).forEach((p, i) => {
    const keyPath = `panel.people.${i}.pinHash`;
    out.push({ keyPath, encoded: p.pinHash, holder: { role: p.role, person: p.name, keyPath } });
  });
  return out;
}

/**
 * What the schema cannot say, found before anything starts: a PIN hash that
 * does not parse, two people of one name, a person named after a role, and
 * one hash given twice (the same PIN). Only string work, no scrypt: two
 * hashes of one PIN with different salts cannot be told apart without the
 * PIN, so that case is refused at login instead (src/auth/pin-match.ts),
 * and `purser pin-hash --config` refuses a PIN already in the config.
 */
export function checkPanelSection(value: unknown): ConfigProblem[] {
  const panel = value as PanelConfig;
  const out: ConfigProblem[] = [];
  const names = new Map<string, number>();
  (panel.people ?? []).forEach((p, i) => {
    const keyPath = `panel.people.${i}.name`;
    const key = personNameKey(p.name);
    const had = names.get(key);
    if (isReservedName(p.name)) out.push({ keyPath, reason: `"${p.name}" is what the shared ${key} PIN's sessions are called: give the person's own name` });
    else if (had !== undefined) out.push({ keyPath, reason: `${p.name} is already panel.people.${had}: each person once, with one PIN` });
    else names.set(key, i);
  });
  const hashes = new Map<string, string>();
  for (const e of entries(panel)) {
    try {
      parsePinHash(e.encoded);
    } catch (err) {
      if (!(err instanceof PinHashError)) throw err;
      out.push({ keyPath: e.keyPath, reason: err.message });
      continue;
    }
    const had = hashes.get(e.encoded);
    if (had) out.push({ keyPath: e.keyPath, reason: `is the same hash as ${had}, so the same PIN: each person needs a PIN of their own (make one with \`purser pin-hash\`)` });
    else hashes.set(e.encoded, e.keyPath);
  }
  return out;
}

/** Every configured PIN, parsed (the config check has already refused a malformed one): role PINs first, then people in order. */
export function configuredPins(panel: PanelConfig): PinHolder[] {
  return entries(panel).map((e) => ({ ...e.holder, hash: parsePinHash(e.encoded) }));
}
