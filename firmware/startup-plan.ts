import type { FirmwareRecord } from './catalog-table.js';
import { isTempName } from '../core/durable-fs.js';
import type { DiskEntry } from './image-store.js';
import { isName } from './manifest.js';

export interface StartupPlan {
  /** Temp files a power cut left mid-import (relative to `<root>/firmware`). */
  removeTemp: string[];
  /** Entries to move to quarantine, so they are never served. */
  quarantineFiles: { rel: string; reason: string }[];
  /** Ready rows whose image is missing or wrong: mark them quarantined. */
  quarantineRows: { model: string; version: string; reason: string }[];
  /** Ready images whose manifest file is missing: write it again from the row. */
  rewriteManifests: FirmwareRecord[];
}

const IMAGE = /^(.+)\.img$/;
const MANIFEST = /^(.+)\.json$/;

/**
 * Reconciles the files under `<root>/firmware` with the catalog rows, from
 * sizes and names alone (fast enough for every boot; content is verifyAll's job).
 * Anything that is not a complete image with a ready row, or that image's
 * manifest, is either a temp file to delete or something to quarantine.
 */
export function planStartup(entries: DiskEntry[], records: FirmwareRecord[]): StartupPlan {
  const plan: StartupPlan = { removeTemp: [], quarantineFiles: [], quarantineRows: [], rewriteManifests: [] };
  const ready = new Map(records.filter((r) => r.state === 'ready').map((r) => [`${r.model}/${r.version}`, r]));
  const goodImages = new Set<string>();
  const manifests = new Set<string>();
  const quarantine = (rel: string, reason: string): void => void plan.quarantineFiles.push({ rel, reason });

  const strayTops = new Set(
    entries.filter((e) => !e.rel.includes('/') && (e.kind !== 'dir' || !isName(e.rel))).map((e) => e.rel),
  );
  for (const rel of strayTops) quarantine(rel, 'not a firmware model directory');

  for (const { rel, kind, size } of entries) {
    const [model = '', name] = rel.split('/');
    if (name === undefined || strayTops.has(model)) continue;
    if (isTempName(name) && kind === 'file') {
      plan.removeTemp.push(rel);
      continue;
    }
    const image = IMAGE.exec(name)?.[1];
    const manifest = MANIFEST.exec(name)?.[1];
    if (kind === 'file' && image !== undefined && isName(image)) {
      const record = ready.get(`${model}/${image}`);
      if (!record) {
        quarantine(rel, 'image without a ready catalog record');
      } else if (size !== record.size) {
        const reason = `size on disk ${size} bytes, catalog says ${record.size}`;
        quarantine(rel, reason);
        plan.quarantineRows.push({ model, version: image, reason });
      } else {
        goodImages.add(`${model}/${image}`);
      }
    } else if (kind === 'file' && manifest !== undefined && isName(manifest)) {
      manifests.add(`${model}/${manifest}`);
    } else {
      quarantine(rel, 'not a firmware image or manifest');
    }
  }

  for (const key of manifests) {
    if (!goodImages.has(key)) quarantine(`${key}.json`, 'manifest without a ready image');
  }
  const rowsMarked = new Set(plan.quarantineRows.map((r) => `${r.model}/${r.version}`));
  for (const [key, record] of ready) {
    if (goodImages.has(key)) {
      if (!manifests.has(key)) plan.rewriteManifests.push(record);
    } else if (!rowsMarked.has(key)) {
      plan.quarantineRows.push({ model: record.model, version: record.version, reason: 'image file missing' });
    }
  }
  return plan;
}
