import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { FirmwareCatalog } from '../../firmware/catalog.js';
import { HashPool } from '../../firmware/hash-pool.js';
import { FirmwareKeys } from '../../firmware/keys.js';
import { signerFor } from '../../src/content/keys.js';
import { FORMAT, serializeManifest, signedBytes, type ContentFile, type UnsignedContentManifest } from '../../src/content/manifest.js';
import { FIRMWARE_FEATURE_MIGRATIONS } from '../../src/firmware/feature.js';
import { openDatabase } from '../../src/store/database.js';
import { CORE_MIGRATIONS } from '../../src/store/migrations.js';

export interface FullLibraryOptions {
  contentFiles: number;
  /** Bytes of each content file (each one distinct). */
  contentBytes: number;
  firmwareImages: number;
  firmwareBytes: number;
  catalogVersion?: string;
}

export interface FullLibrary {
  /** The content key's raw public half (base64), for `content.publicKey`. */
  contentPublicKey: string;
  catalogVersion: string;
  /** Every content file: its catalog path and its bytes' SHA-256 (the object's name). */
  files: { path: string; sha256: string }[];
  /** The firmware images, as a seat asks TFTP for them. */
  images: { model: string; version: string; sha256: string }[];
}

/**
 * A state directory with a full library, as a controller finds it after a
 * power cut: content in the library's own layout (objects named by their
 * SHA-256, a version manifest signed with a test key, `current`), written
 * directly because ingesting 10,000 files through a drive takes minutes; and
 * firmware images through the real import path (catalog rows in the
 * controller's own database, signed with its own key).
 */
export async function makeFullLibrary(stateDir: string, o: FullLibraryOptions): Promise<FullLibrary> {
  const keys = generateKeyPairSync('ed25519');
  const contentPublicKey = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');
  const catalogVersion = o.catalogVersion ?? '2026-12';
  const lib = join(stateDir, 'content');
  const objects = join(lib, 'objects');
  await mkdir(objects, { recursive: true });
  await mkdir(join(lib, 'versions'), { recursive: true });
  const files: ContentFile[] = [];
  for (let i = 0; i < o.contentFiles; i++) {
    const bytes = randomBytes(o.contentBytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(objects, sha256), bytes);
    const n = String(i).padStart(5, '0');
    files.push({ path: `movies/m${n}.mp4`, size: bytes.length, sha256, kind: 'movie', title: `Movie ${n}`, lang: 'en' });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const unsigned: UnsignedContentManifest = { format: FORMAT, catalogVersion, createdAt: '2026-12-01T08:00:00Z', files };
  const manifest = { ...unsigned, signature: signerFor(keys.privateKey).sign(signedBytes(unsigned)) };
  await writeFile(join(lib, 'versions', `${catalogVersion}.json`), serializeManifest(manifest));
  await writeFile(join(lib, 'current'), `${JSON.stringify({ catalogVersion })}\n`);

  const images: FullLibrary['images'] = [];
  if (o.firmwareImages > 0) {
    const db = openDatabase(join(stateDir, 'purser.db'), [
      { feature: 'core', migrations: CORE_MIGRATIONS },
      { feature: 'firmware', migrations: FIRMWARE_FEATURE_MIGRATIONS },
    ]);
    const pool = new HashPool({ maxThreads: 2 });
    try {
      const fwKeys = await FirmwareKeys.loadOrCreateSigningKey(stateDir);
      const catalog = new FirmwareCatalog({ db, root: join(stateDir, 'tftp'), keys: fwKeys, pool, log: pino({ level: 'silent' }) });
      await catalog.startupCheck();
      const incoming = join(stateDir, 'bench-images');
      await mkdir(incoming, { recursive: true });
      for (let i = 0; i < o.firmwareImages; i++) {
        const src = join(incoming, `image-${i}.img`);
        await writeFile(src, randomBytes(o.firmwareBytes));
        const model = `gp${i % 5}`;
        const r = await catalog.import(src, { model, version: `1.${i}.0` });
        images.push({ model, version: r.version, sha256: r.sha256 });
      }
    } finally {
      await pool.close();
      db.close();
    }
  }
  return { contentPublicKey, catalogVersion, files: files.map(({ path, sha256 }) => ({ path, sha256 })), images };
}
