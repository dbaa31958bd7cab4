/**
 * A crew member's name as the panel shows it and the logs record it
 * ("A. Okafor", "Zoë O'Neill-Ødegård"): letters (any script), digits, single
 * spaces and . ' ’ -, starting with a letter or digit, at most 64 characters.
 * The pattern is the config schema's (ajv compiles it with the `u` flag).
 */
export const PERSON_NAME_PATTERN = "^[\\p{L}\\p{N}][\\p{L}\\p{M}\\p{N}.'’-]*(?: [\\p{L}\\p{M}\\p{N}.'’-]+)*$";
export const PERSON_NAME_MAX = 64;
export const PERSON_NAME_RULE = `a person's name of letters, digits, single spaces and . ' -, at most ${PERSON_NAME_MAX} characters, such as "A. Okafor"`;

const NAME = new RegExp(PERSON_NAME_PATTERN, 'u');

/** Names a shared role PIN's sessions already carry (`panel:crew`): a person may not take one. */
const RESERVED = new Set(['crew', 'technician']);

export function isPersonName(s: string): boolean {
  return s.length <= PERSON_NAME_MAX && NAME.test(s);
}

/** Two names that a person reading the panel would take for one ("A. Okafor", "a. okafor") have the same key. */
export function personNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

export function isReservedName(name: string): boolean {
  return RESERVED.has(personNameKey(name));
}
