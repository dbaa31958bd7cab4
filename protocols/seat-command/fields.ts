import { isIPv4 } from 'node:net';

/**
 * One argument's rule, kept in two forms that must agree: `check` (the truth) and
 * `schema` (JSON Schema for the HTTP API, never stricter than `check`).
 */
export interface Field<T> {
  /** Completes "<field> must be ...". */
  readonly expect: string;
  readonly schema: Readonly<Record<string, unknown>>;
  check(value: unknown): value is T;
}

export function oneOf<const V extends string>(values: readonly V[]): Field<V> {
  return {
    expect: `one of ${values.join(', ')}`,
    schema: { type: 'string', enum: values },
    check: (v): v is V => typeof v === 'string' && (values as readonly string[]).includes(v),
  };
}

/** Free text for people; length in code points, as JSON Schema counts it. */
export function text(maxChars: number): Field<string> {
  return {
    expect: `a non-empty string of at most ${maxChars} characters`,
    schema: { type: 'string', minLength: 1, maxLength: maxChars },
    check: (v): v is string => typeof v === 'string' && v.length > 0 && [...v].length <= maxChars,
  };
}

/** A name that ends up in paths, logs and HTML, so only a safe alphabet. */
export function token(maxChars: number): Field<string> {
  const re = new RegExp(`^[A-Za-z0-9._-]{1,${maxChars}}$`);
  return {
    expect: `1 to ${maxChars} characters of A-Z a-z 0-9 . _ -`,
    schema: { type: 'string', pattern: re.source },
    check: (v): v is string => typeof v === 'string' && re.test(v),
  };
}

export function integer(min: number, max: number): Field<number> {
  return {
    expect: `an integer from ${min} to ${max}`,
    schema: { type: 'integer', minimum: min, maximum: max },
    check: (v): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max,
  };
}

/** `"a.b.c.d:port"` with an IPv4 multicast address (224.0.0.0/4): seats join it. */
export const multicastGroup: Field<string> = {
  expect: 'a multicast group "a.b.c.d:port" (224.0.0.0 to 239.255.255.255, port 1 to 65535)',
  schema: { type: 'string', pattern: '^(22[4-9]|23[0-9])(\\.[0-9]{1,3}){3}:[0-9]{1,5}$' },
  check(v): v is string {
    if (typeof v !== 'string') return false;
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
    if (!m || !isIPv4(m[1]!)) return false;
    const first = Number(m[1]!.split('.')[0]);
    const port = Number(m[2]);
    return first >= 224 && first <= 239 && port >= 1 && port <= 65535 && String(port) === m[2];
  },
};

export function url(scheme: 'tftp' | 'http', maxChars = 512): Field<string> {
  const schemes = scheme === 'tftp' ? ['tftp:'] : ['http:', 'https:'];
  return {
    expect: `a ${schemes.map((s) => `${s}//`).join(' or ')} URL with a host, at most ${maxChars} characters`,
    schema: { type: 'string', maxLength: maxChars, pattern: scheme === 'tftp' ? '^tftp://' : '^https?://' },
    check(v): v is string {
      if (typeof v !== 'string' || v.length > maxChars) return false;
      const u = parseUrl(v);
      return u !== undefined && schemes.includes(u.protocol) && u.host !== '' && v.startsWith(`${u.protocol}//`);
    },
  };
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

export const sha256Hex: Field<string> = {
  expect: 'a SHA-256 digest: 64 lowercase hex digits',
  schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  check: (v): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v),
};

/** 64 bytes in canonical padded base64: the last data character carries 4 zero bits, hence [AQgw]. */
const ED25519_SIGNATURE = /^[A-Za-z0-9+/]{85}[AQgw]==$/;
export const ed25519SignatureBase64: Field<string> = {
  expect: 'an Ed25519 signature: 64 bytes in base64 (88 characters)',
  schema: { type: 'string', pattern: ED25519_SIGNATURE.source },
  check: (v): v is string => typeof v === 'string' && ED25519_SIGNATURE.test(v),
};
