import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

/** What a console user may do: `readonly` gets the command shell, `technician` also the JavaScript REPL. */
export type Role = 'readonly' | 'technician';
export const ROLES: readonly Role[] = ['readonly', 'technician'];

export interface AuthorizedKey {
  /** 1-based line in the file, for messages and the audit trail. */
  line: number;
  role: Role;
  /** Who this key is: `purser-name`, else the comment's first word, else `key-<line>`. Names history files. */
  name: string;
  type: string;
  /** The SSH wire-format public key blob, compared with what the client offers. */
  blob: Buffer;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  comment: string;
}

export interface KeyFileError {
  line: number;
  message: string;
}

export interface ParsedKeyFile {
  keys: AuthorizedKey[];
  errors: KeyFileError[];
}

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
]);
const NAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_LINE = 16 * 1024;

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parses an OpenSSH `authorized_keys`-format file in which every key carries a
 * role: `purser-role="technician" ssh-ed25519 AAAA... alice@laptop`. Only the
 * options `purser-role` (required) and `purser-name` are understood; any other
 * option (`from=`, `command=`, `restrict`...) rejects the line, because
 * silently ignoring a restriction the writer believed in would fail open.
 * Bad lines are reported with their number and skipped; this never throws.
 */
export function parseAuthorizedKeys(text: string): ParsedKeyFile {
  const keys: AuthorizedKey[] = [];
  const errors: KeyFileError[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const lineNo = i + 1;
    const r = parseLine(raw, lineNo);
    if ('message' in r) {
      errors.push(r);
      continue;
    }
    const hex = r.blob.toString('hex');
    const first = seen.get(hex);
    if (first !== undefined) {
      errors.push({ line: lineNo, message: `the same key is already listed on line ${first}; this line is ignored` });
      continue;
    }
    seen.set(hex, lineNo);
    keys.push(r);
  }
  return { keys, errors };
}

function parseLine(line: string, lineNo: number): AuthorizedKey | KeyFileError {
  const fail = (message: string): KeyFileError => ({ line: lineNo, message });
  if (line.length > MAX_LINE) return fail(`line longer than ${MAX_LINE} characters`);
  let rest = line;
  let options = '';
  const firstWord = rest.split(/\s/, 1)[0]!;
  if (!KEY_TYPES.has(firstWord)) {
    const opt = scanOptions(rest);
    if (typeof opt === 'string') return fail(opt);
    options = opt.options;
    rest = rest.slice(opt.end).trimStart();
  }
  const parts = rest.split(/\s+/);
  const type = parts[0] ?? '';
  const b64 = parts[1] ?? '';
  const comment = parts.slice(2).join(' ');
  if (!KEY_TYPES.has(type)) return fail(`unknown key type ${JSON.stringify(type.slice(0, 40))} (expected one of ${[...KEY_TYPES].join(', ')})`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return fail('the key is not valid base64');
  const blob = Buffer.from(b64, 'base64');
  if (blob.length < 4 || blob.readUInt32BE(0) !== type.length || blob.subarray(4, 4 + type.length).toString('latin1') !== type) {
    return fail(`the key data does not hold a ${type} key`);
  }
  let parsed: unknown;
  try {
    parsed = ssh2.utils.parseKey(`${type} ${b64}`);
  } catch (e) {
    parsed = e;
  }
  if (parsed instanceof Error || parsed === undefined || parsed === null) return fail(`the ${type} key is malformed`);

  const opts = parseOptions(options);
  if (typeof opts === 'string') return fail(opts);
  const role = opts.get('purser-role');
  if (role === undefined) return fail('no purser-role="readonly|technician" option: every key needs a role');
  if (!(ROLES as readonly string[]).includes(role)) return fail(`purser-role must be readonly or technician, not ${JSON.stringify(role.slice(0, 40))}`);
  let name = opts.get('purser-name');
  if (name !== undefined && !NAME_RE.test(name)) return fail('purser-name must be 1-64 letters, digits or . _ @ -');
  if (name === undefined) {
    const word = comment.split(/\s/, 1)[0] ?? '';
    name = NAME_RE.test(word) ? word : `key-${lineNo}`;
  }
  return { line: lineNo, role: role as Role, name, type, blob, fingerprint: fingerprintOf(blob), comment };
}

/** Finds where the options field ends: the first whitespace outside double quotes. */
function scanOptions(line: string): { options: string; end: number } | string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '\\' && line[i + 1] === '"') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return { options: line.slice(0, i), end: i };
  }
  return quoted ? 'unterminated quote in the options' : 'options but no key';
}

function parseOptions(field: string): Map<string, string> | string {
  const out = new Map<string, string>();
  if (field === '') return out;
  let i = 0;
  while (i < field.length) {
    const m = /^[A-Za-z0-9-]+/.exec(field.slice(i));
    if (!m) return `bad option syntax at column ${i + 1}`;
    const key = m[0].toLowerCase();
    i += m[0].length;
    let value: string | undefined;
    if (field[i] === '=') {
      if (field[i + 1] !== '"') return `option ${key} needs a quoted value`;
      i += 2;
      value = '';
      while (i < field.length && field[i] !== '"') {
        if (field[i] === '\\' && field[i + 1] === '"') i++;
        value += field[i];
        i++;
      }
      if (field[i] !== '"') return `unterminated quote in option ${key}`;
      i++;
    }
    if (key !== 'purser-role' && key !== 'purser-name') return `unsupported option ${JSON.stringify(key.slice(0, 40))}: only purser-role and purser-name are understood`;
    if (value === undefined) return `option ${key} needs a value`;
    if (out.has(key)) return `option ${key} given twice`;
    out.set(key, value);
    if (i < field.length) {
      if (field[i] !== ',') return `expected a comma at column ${i + 1}`;
      i++;
      if (i === field.length) return 'trailing comma in the options';
    }
  }
  return out;
}
