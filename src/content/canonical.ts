/**
 * The canonical JSON the content signature covers: RFC 8785 (JCS) for the
 * values a content manifest can hold (objects, arrays, strings, safe
 * integers). Object keys sorted by UTF-16 code units, no whitespace, strings
 * and integers exactly as ECMAScript's JSON.stringify writes them (which is
 * how JCS defines them). Written here rather than taken from a package
 * because it is twenty lines and the signed bytes must never change under us.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON holds only safe integers, not ${value}`);
    return JSON.stringify(value + 0); // + 0: -0 is written 0
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}
