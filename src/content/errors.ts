/**
 * Why a content drive or the library refused something. The code lets the
 * panel, CLI and HTTP API react without parsing text; the message is written
 * for cabin crew and names the field or file at fault.
 */
export type ContentErrorCode =
  | 'not-a-content-drive' // no purser-content.json at the drive root
  | 'invalid' // the manifest is malformed (see `field`)
  | 'bad-signature' // the manifest does not verify with the content key
  | 'key' // the content key itself is unusable
  | 'unsafe-file' // a symlink, device, FIFO or a path that leaves the drive
  | 'missing' // a listed file is not on the drive
  | 'corrupt' // a file's size or SHA-256 does not match the manifest
  | 'drive-removed' // the drive went away (ENOENT/EIO/ENODEV...) mid-ingest
  | 'no-space' // the library's disk cannot hold what must be copied
  | 'stale' // the drive is older than the content already on board
  | 'conflict' // this catalogVersion is already on board with other content
  | 'busy' // another ingest is running
  | 'cancelled' // the caller stopped the ingest
  | 'io'; // any other read/write failure, with the system's message

export class ContentError extends Error {
  override readonly name = 'ContentError';

  constructor(
    readonly code: ContentErrorCode,
    message: string,
    /** The manifest field at fault, e.g. `files[12].path`. */
    readonly field?: string,
    /** The drive-relative path of the file at fault. */
    readonly path?: string,
  ) {
    super(message);
  }

  /** Plain data, for crossing a worker-thread boundary (structured clone drops custom fields). */
  toJSON(): ContentErrorData {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}), ...(this.path ? { path: this.path } : {}) };
  }

  static from(data: ContentErrorData): ContentError {
    return new ContentError(data.code, data.message, data.field, data.path);
  }
}

export interface ContentErrorData {
  code: ContentErrorCode;
  message: string;
  field?: string;
  path?: string;
}

/** errno codes that mean the drive (or its filesystem) is gone, not that one file is bad. */
const GONE = new Set(['EIO', 'ENODEV', 'ENXIO', 'ESTALE', 'ENOTCONN', 'ENOMEDIUM', 'EREMOTEIO', 'ESHUTDOWN']);

export function isDriveGone(code: string | undefined): boolean {
  return code !== undefined && GONE.has(code);
}

/** A size crew can read at a glance: GB from 1 GB, MB from 1 MB, else kB (never "0.00 GB" for a small drive). */
export function readableSize(bytes: number): string {
  const [div, unit] = bytes >= 1e9 ? [1e9, 'GB'] : bytes >= 1e6 ? [1e6, 'MB'] : [1e3, 'kB'];
  const v = bytes / div;
  return `${v.toFixed(v < 10 && unit !== 'kB' ? 1 : 0)} ${unit}`;
}
