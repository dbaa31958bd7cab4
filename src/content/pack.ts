import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { writeFileDurably } from '../../core/durable-fs.js';
import { ContentError } from './errors.js';
import { signerFor, type SigningKey } from './keys.js';
import {
  DEFAULT_LIMITS, FORMAT, MANIFEST_NAME, parseContentManifest, serializeManifest, signedBytes,
  type ContentFile, type ContentKind, type ContentManifest, type ManifestLimits, type UnsignedContentManifest,
} from './manifest.js';
import { ContentWorkers } from './workers.js';

export type FileMetadata = Partial<Pick<ContentFile, 'kind' | 'title' | 'lang' | 'description' | 'durationSec' | 'poster'>>;

export interface PackOptions {
  catalogVersion: string;
  /** Default: now. Orders catalogs: a drive older than the one on board is refused. */
  createdAt?: Date | string;
  /** Default language tag for every file. Default `und`. */
  lang?: string;
  /** Per-file metadata; wins over what an earlier purser-content.json said and over the defaults. */
  describe?: (path: string) => FileMetadata | undefined;
  workers?: ContentWorkers;
  limits?: ManifestLimits;
  onProgress?: (filesDone: number, filesTotal: number) => void;
}

// What operating systems put on removable drives, never content.
const SKIP = new Set(['lost+found', 'System Volume Information', '$RECYCLE.BIN']);

/**
 * Writes and signs `<dir>/purser-content.json` for every regular file under
 * `dir` (hidden files and OS folders skipped; a symlink or device refused),
 * hashing on worker threads. Metadata comes from `describe`, else from the
 * drive's previous manifest for the same path, else from the folder and
 * file name (movies/ -> movie, `Some_Title.mp4` -> "Some Title").
 */
export async function pack(dir: string, privateKey: SigningKey, opts: PackOptions): Promise<ContentManifest> {
  const signer = signerFor(privateKey);
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const previous = await previousMetadata(dir, limits);
  const found = await walk(dir);
  const workers = opts.workers ?? new ContentWorkers();
  const files: ContentFile[] = new Array(found.length);
  try {
    let next = 0;
    let done = 0;
    const runner = async (): Promise<void> => {
      while (next < found.length) {
        const i = next++;
        const { rel, size } = found[i]!;
        const r = await workers.hashFile(join(dir, rel));
        if (r.size !== size) throw new ContentError('corrupt', `"${rel}" changed while it was being packed`, undefined, rel);
        const meta = { ...defaults(rel, opts.lang ?? 'und'), ...previous.get(rel), ...opts.describe?.(rel) };
        files[i] = {
          path: rel, size, sha256: r.sha256, kind: meta.kind, title: meta.title, lang: meta.lang,
          ...(meta.description === undefined ? {} : { description: meta.description }),
          ...(meta.durationSec === undefined ? {} : { durationSec: meta.durationSec }),
          ...(meta.poster === undefined ? {} : { poster: meta.poster }),
        };
        opts.onProgress?.(++done, found.length);
      }
    };
    await Promise.all([runner(), runner()]);
  } finally {
    if (!opts.workers) await workers.close();
  }
  const createdAt = opts.createdAt === undefined ? new Date() : new Date(opts.createdAt);
  const unsigned: UnsignedContentManifest = {
    format: FORMAT,
    catalogVersion: opts.catalogVersion,
    // Whole seconds: what people write by hand, and what the parser's pattern shows.
    createdAt: `${createdAt.toISOString().slice(0, 19)}Z`,
    files,
  };
  const manifest = { ...unsigned, signature: signer.sign(signedBytes(unsigned)) };
  // The same checks an aircraft runs: a drive that would be refused is never written.
  const checked = parseContentManifest(JSON.parse(serializeManifest(manifest)), limits);
  if (!checked.ok) throw checked.error;
  await writeFileDurably(join(dir, MANIFEST_NAME), serializeManifest(checked.manifest));
  return checked.manifest;
}

async function walk(root: string): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const name = entry.name;
      if (name.startsWith('.') || SKIP.has(name) || (rel === '' && name === MANIFEST_NAME)) continue;
      const child = rel === '' ? name : `${rel}/${name}`;
      if (entry.isSymbolicLink()) throw new ContentError('unsafe-file', `"${child}" is a symbolic link: copy the file itself onto the drive`, undefined, child);
      if (entry.isDirectory()) await visit(child);
      else if (entry.isFile()) out.push({ rel: child, size: (await lstat(join(root, child))).size });
      else throw new ContentError('unsafe-file', `"${child}" is not a regular file`, undefined, child);
    }
  };
  await visit('');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

async function previousMetadata(dir: string, limits: ManifestLimits): Promise<Map<string, FileMetadata>> {
  const bytes = await readFile(join(dir, MANIFEST_NAME)).catch(() => undefined);
  const parsed = bytes === undefined ? undefined : parseContentManifest(bytes, limits);
  const map = new Map<string, FileMetadata>();
  if (parsed?.ok) {
    for (const { path, kind, title, lang, description, durationSec, poster } of parsed.manifest.files) {
      map.set(path, { kind, title, lang, ...(description === undefined ? {} : { description }), ...(durationSec === undefined ? {} : { durationSec }), ...(poster === undefined ? {} : { poster }) });
    }
  }
  return map;
}

const FOLDER_KINDS: Record<string, ContentKind> = {
  movies: 'movie', films: 'movie', shows: 'show', tv: 'show', series: 'show', audio: 'audio', music: 'audio', podcasts: 'audio',
  magazines: 'magazine', newspapers: 'newspaper', news: 'newspaper', games: 'game',
};
const EXT_KINDS: Record<string, ContentKind> = {
  '.mp4': 'movie', '.mkv': 'movie', '.mov': 'movie', '.m4v': 'movie', '.webm': 'movie', '.ts': 'movie',
  '.mp3': 'audio', '.aac': 'audio', '.m4a': 'audio', '.flac': 'audio', '.ogg': 'audio', '.opus': 'audio', '.wav': 'audio',
  '.pdf': 'magazine', '.epub': 'magazine',
};

function defaults(rel: string, lang: string): { kind: ContentKind; title: string; lang: string } {
  const top = rel.includes('/') ? rel.slice(0, rel.indexOf('/')).toLowerCase() : '';
  const ext = extname(rel).toLowerCase();
  const kind = (Object.hasOwn(FOLDER_KINDS, top) ? FOLDER_KINDS[top] : undefined) ?? (Object.hasOwn(EXT_KINDS, ext) ? EXT_KINDS[ext] : undefined) ?? 'other';
  const name = basename(rel, extname(rel)).replace(/[_]+/g, ' ').trim();
  return { kind, title: name === '' ? basename(rel) : name, lang };
}
