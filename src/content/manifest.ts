import { canonicalJson } from './canonical.js';
import { ContentError } from './errors.js';

/** The file at the drive root that lists and signs everything on it. */
export const MANIFEST_NAME = 'purser-content.json';
export const FORMAT = 1;
/** Domain separation: a content signature can never be replayed as another kind of Purser signature. */
export const SIGNATURE_CONTEXT = 'purser-content-v1\n';

export const KINDS = ['movie', 'show', 'audio', 'magazine', 'newspaper', 'game', 'other'] as const;
export type ContentKind = (typeof KINDS)[number];

export interface ContentFile {
  /** Drive-relative, '/'-separated, NFC, e.g. `movies/Heat (1995).mp4`. */
  path: string;
  size: number;
  /** Lowercase hex. */
  sha256: string;
  kind: ContentKind;
  title: string;
  /** BCP 47 tag: `en`, `pt-BR`, `und` (undetermined), `zxx` (no language). */
  lang: string;
  description?: string;
  durationSec?: number;
  /** The path of another listed file (an image) that illustrates this one. */
  poster?: string;
}

export interface UnsignedContentManifest {
  format: 1;
  /** Names the catalog and its file in the library: 1-64 of A-Z a-z 0-9 . _ -, no "..". */
  catalogVersion: string;
  /** ISO 8601 UTC, e.g. 2025-06-01T00:00:00Z: when the drive was packed; orders catalogs. */
  createdAt: string;
  files: ContentFile[];
}

export interface ContentManifest extends UnsignedContentManifest {
  /** Base64 Ed25519 signature over `signedBytes(manifest)`. */
  signature: string;
}

export interface ManifestLimits {
  maxFiles: number;
  /** One file. */
  maxFileBytes: number;
  /** All files together. */
  maxTotalBytes: number;
  /** purser-content.json itself. */
  maxManifestBytes: number;
}

export const DEFAULT_LIMITS: ManifestLimits = {
  maxFiles: 100_000,
  maxFileBytes: 64 * 2 ** 30,
  maxTotalBytes: 2 * 2 ** 40,
  maxManifestBytes: 64 * 2 ** 20,
};

export type ParseResult = { ok: true; manifest: ContentManifest } | { ok: false; error: ContentError };

/**
 * The exact bytes the signature covers: UTF-8 of `purser-content-v1\n`
 * followed by the canonical JSON (RFC 8785) of the manifest without its
 * `signature` member.
 */
export function signedBytes(m: UnsignedContentManifest): Buffer {
  const { format, catalogVersion, createdAt, files } = m;
  return Buffer.from(SIGNATURE_CONTEXT + canonicalJson({ format, catalogVersion, createdAt, files }), 'utf8');
}

/** Pretty, stable field order: what `pack` writes and the library stores. */
export function serializeManifest(m: ContentManifest): string {
  const files = m.files.map(({ path, size, sha256, kind, title, lang, description, durationSec, poster }) => ({
    path, size, sha256, kind, title, lang, description, durationSec, poster,
  }));
  const { format, catalogVersion, createdAt, signature } = m;
  return `${JSON.stringify({ format, catalogVersion, createdAt, files, signature }, null, 1)}\n`;
}

const TOP_KEYS = new Set(['format', 'catalogVersion', 'createdAt', 'files', 'signature']);
const FILE_KEYS = new Set(['path', 'size', 'sha256', 'kind', 'title', 'lang', 'description', 'durationSec', 'poster']);
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const SHA256 = /^[0-9a-f]{64}$/;
const LANG = /^(?:[a-z]{2,3}|und|zxx)(?:-[A-Za-z0-9]{1,8}){0,4}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
// String#isWellFormed is ES2024; this is its negation.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const MAX_DEPTH = 32;
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 4000;

export function isCatalogVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION.test(value) && !value.includes('..');
}

/**
 * Bytes (as read from the drive), text, or already-parsed JSON in; a
 * manifest or a crew-readable error naming the field out. Never throws.
 *
 * Unknown keys are refused, not ignored: everything the signature covers is
 * something this version understands, and a newer format must say so in
 * `format` instead of being half-read. JSON keys such as `__proto__` are
 * therefore just unknown keys; values are read with own-property checks and
 * the result is built from fresh literals, so no prototype is ever touched.
 */
export function parseContentManifest(input: Uint8Array | string | unknown, limits: ManifestLimits = DEFAULT_LIMITS): ParseResult {
  try {
    return { ok: true, manifest: validate(toValue(input, limits), limits) };
  } catch (err) {
    if (err instanceof ContentError) return { ok: false, error: err };
    // A bug or an engine limit (say, absurd nesting): still a clear refusal, never a crash.
    return { ok: false, error: new ContentError('invalid', `${MANIFEST_NAME} could not be read: ${(err as Error)?.message ?? String(err)}`) };
  }
}

function toValue(input: unknown, limits: ManifestLimits): unknown {
  let text: string;
  if (input instanceof Uint8Array) {
    if (input.length > limits.maxManifestBytes) throw invalid(`${MANIFEST_NAME} is ${input.length} bytes; at most ${limits.maxManifestBytes} are allowed`);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
    } catch {
      throw invalid(`${MANIFEST_NAME} is not UTF-8 text`);
    }
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return input;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`${MANIFEST_NAME} is not valid JSON (${(err as Error).message})`);
  }
}

function validate(value: unknown, limits: ManifestLimits): ContentManifest {
  const top = object(value, MANIFEST_NAME);
  refuseUnknown(top, TOP_KEYS, '');
  const format = get(top, 'format');
  if (format !== FORMAT) {
    if (Number.isSafeInteger(format) && (format as number) > FORMAT) {
      throw invalid(`format ${format as number} is newer than this Purser understands (${FORMAT}): update Purser or repack the drive`, 'format');
    }
    throw invalid(`format must be ${FORMAT}, not ${describe(format)}`, 'format');
  }
  const catalogVersion = get(top, 'catalogVersion');
  if (!isCatalogVersion(catalogVersion)) {
    throw invalid(`catalogVersion ${describe(catalogVersion)} is not allowed: use 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit, without ".."`, 'catalogVersion');
  }
  const createdAt = get(top, 'createdAt');
  if (typeof createdAt !== 'string' || !CREATED_AT.test(createdAt) || !sameInstant(createdAt)) {
    throw invalid(`createdAt must be a UTC time like 2025-06-01T08:00:00Z, not ${describe(createdAt)}`, 'createdAt');
  }
  const signature = get(top, 'signature');
  const sigBytes = typeof signature === 'string' ? Buffer.from(signature, 'base64') : undefined;
  if (sigBytes?.length !== 64 || sigBytes.toString('base64') !== signature) {
    throw invalid(`signature must be the base64 of a 64-byte Ed25519 signature, not ${describe(signature)}`, 'signature');
  }
  const list = get(top, 'files');
  if (!Array.isArray(list)) throw invalid(`files must be a list, not ${describe(list)}`, 'files');
  if (list.length > limits.maxFiles) throw invalid(`files lists ${list.length} files; at most ${limits.maxFiles} are allowed`, 'files');

  const files: ContentFile[] = [];
  const seen = new Map<string, number>(); // case-folded path -> index
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const f = parseFile(list[i], `files[${i}]`, limits);
    const folded = fold(f.path);
    const twin = seen.get(folded);
    if (twin !== undefined) {
      const same = files[twin]!.path === f.path;
      throw invalid(
        `files[${i}].path "${f.path}" is listed twice (also files[${twin}]${same ? '' : ` as "${files[twin]!.path}", which differs only in letter case`})`,
        `files[${i}].path`,
      );
    }
    seen.set(folded, i);
    total += f.size;
    if (total > limits.maxTotalBytes) {
      throw invalid(`the files add up to more than ${limits.maxTotalBytes} bytes, the most allowed (at files[${i}])`, `files[${i}].size`);
    }
    files.push(f);
  }
  // A path cannot be both a file and a folder holding other files.
  for (let i = 0; i < files.length; i++) {
    const segments = files[i]!.path.split('/');
    for (let d = 1; d < segments.length; d++) {
      const parent = seen.get(fold(segments.slice(0, d).join('/')));
      if (parent !== undefined) {
        throw invalid(`files[${i}].path "${files[i]!.path}" is inside "${files[parent]!.path}", which is listed as a file (files[${parent}])`, `files[${i}].path`);
      }
    }
    const poster = files[i]!.poster;
    if (poster !== undefined && !seen.has(fold(poster))) {
      throw invalid(`files[${i}].poster "${poster}" is not one of the listed files`, `files[${i}].poster`);
    }
  }
  return { format: FORMAT, catalogVersion, createdAt, files, signature: signature as string };
}

function parseFile(value: unknown, at: string, limits: ManifestLimits): ContentFile {
  const f = object(value, at);
  refuseUnknown(f, FILE_KEYS, `${at}.`);
  const path = checkPath(get(f, 'path'), `${at}.path`);
  const size = get(f, 'size');
  if (!Number.isSafeInteger(size) || (size as number) < 0) throw invalid(`${at}.size must be a whole number of bytes, not ${describe(size)}`, `${at}.size`);
  if ((size as number) > limits.maxFileBytes) {
    throw invalid(`${at}.size: "${path}" is ${size as number} bytes; at most ${limits.maxFileBytes} are allowed per file`, `${at}.size`);
  }
  const sha256 = get(f, 'sha256');
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) throw invalid(`${at}.sha256 must be 64 lowercase hex digits, not ${describe(sha256)}`, `${at}.sha256`);
  const kind = get(f, 'kind');
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw invalid(`${at}.kind must be one of ${KINDS.join(', ')}, not ${describe(kind)}`, `${at}.kind`);
  }
  const title = text(get(f, 'title'), `${at}.title`, MAX_TITLE, true) as string;
  const lang = get(f, 'lang');
  if (typeof lang !== 'string' || lang.length > 35 || !LANG.test(lang)) {
    throw invalid(`${at}.lang must be a language tag such as en, pt-BR or und, not ${describe(lang)}`, `${at}.lang`);
  }
  const description = text(get(f, 'description'), `${at}.description`, MAX_DESCRIPTION, false);
  const durationSec = get(f, 'durationSec');
  if (durationSec !== undefined && (!Number.isSafeInteger(durationSec) || (durationSec as number) < 0 || (durationSec as number) > 1e7)) {
    throw invalid(`${at}.durationSec must be a whole number of seconds, not ${describe(durationSec)}`, `${at}.durationSec`);
  }
  const poster = get(f, 'poster') === undefined ? undefined : checkPath(get(f, 'poster'), `${at}.poster`);
  return {
    path,
    size: (size as number) + 0,
    sha256,
    kind: kind as ContentKind,
    title,
    lang,
    ...(description === undefined ? {} : { description }),
    ...(durationSec === undefined ? {} : { durationSec: (durationSec as number) + 0 }),
    ...(poster === undefined ? {} : { poster }),
  };
}

/** A path that can only name a file inside the drive, the same way on every filesystem. */
function checkPath(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${at} must be a file path on the drive, not ${describe(value)}`, at);
  const say = (why: string): ContentError => invalid(`${at} ${describe(value)} ${why}`, at);
  if (value.includes('\0')) throw say('contains a NUL character');
  if (CONTROL.test(value)) throw say('contains a control character');
  if (LONE_SURROGATE.test(value)) throw say('is not valid Unicode');
  if (value.includes('\\')) throw say('contains a backslash: use / between folders');
  if (value.startsWith('/')) throw say('is absolute: paths are relative to the drive root');
  if (/^[A-Za-z]:/.test(value)) throw say('starts with a drive letter: paths are relative to the drive root');
  const segments = value.split('/');
  if (segments.includes('..')) throw say('leaves the drive: ".." is not allowed');
  if (segments.some((s) => s === '' || s === '.')) throw say('is not normalized: no empty or "." parts, no trailing /');
  if (value !== value.normalize('NFC')) throw say('is not in Unicode NFC form');
  if (segments.length > MAX_DEPTH) throw say(`is more than ${MAX_DEPTH} folders deep`);
  if (Buffer.byteLength(value) > MAX_PATH_BYTES) throw say(`is longer than ${MAX_PATH_BYTES} bytes`);
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) throw say(`has a name longer than ${MAX_SEGMENT_BYTES} bytes`);
  if (fold(value) === MANIFEST_NAME) throw say('is the manifest itself');
  return value;
}

function text(value: unknown, at: string, max: number, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${at} must be non-empty text, not ${describe(value)}`, at);
  if (value.length > max) throw invalid(`${at} is ${value.length} characters; at most ${max} are allowed`, at);
  if (LONE_SURROGATE.test(value)) throw invalid(`${at} is not valid Unicode`, at);
  if (CONTROL.test(value.replace(/[\n\t]/g, ''))) throw invalid(`${at} contains a control character`, at);
  return value;
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${at} must be a JSON object, not ${describe(value)}`, at === MANIFEST_NAME ? undefined : at);
  return value as Record<string, unknown>;
}

function refuseUnknown(obj: Record<string, unknown>, known: Set<string>, prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw invalid(`${prefix}${JSON.stringify(key).slice(1, -1).slice(0, 40)} is not a field this Purser knows (format ${FORMAT})`, `${prefix}${key}`.slice(0, 80));
  }
}

/** Own properties only: `constructor`, `toString`... of the prototype are never read. */
function get(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function sameInstant(iso: string): boolean {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return false;
  // Date.parse rolls 2025-02-30 over to March: refuse dates that do not exist.
  return new Date(ms).toISOString().slice(0, 19) === iso.slice(0, 19);
}

/** Case-insensitive identity, as exFAT and FAT drives and most seats' filesystems see names. */
export function fold(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

function invalid(message: string, field?: string): ContentError {
  return new ContentError('invalid', message, field);
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
