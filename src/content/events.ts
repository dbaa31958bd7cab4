import type { EventDeclarations } from '../contract/events.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** A content drive candidate was plugged in (before it is verified). */
    'drive.inserted': { seat: null; at: number; drive: string; devname: string; fsType: string; label: string | null };
    /** Something on USB that is not a usable content drive: shown to the crew as an alert. */
    'drive.refused': { seat: null; at: number; drive: string; devname: string | null; code: string; reason: string };
    /** A drive was pulled (mid-copy or after). */
    'drive.removed': { seat: null; at: number; drive: string; state: string; message: string };
    /** An ingest failed (bad files, no space, removed mid-copy). */
    'content.failed': { seat: null; at: number; drive: string; code: string; message: string };
    /** Every file of a drive is verified in the library; the drive can be removed. */
    'content.ingested': { seat: null; at: number; drive: string; catalogVersion: string; filesCopied: number; filesReused: number; bytesCopied: number };
    /** The library's current catalog switched and content.sync went to the seats. */
    'content.published': { seat: null; at: number; catalogVersion: string; commandSeq: number | null };
    /** content.sync was sent again to seats that lag the current catalog (docs/content.md, "Seats that lag"). */
    'content.resynced': { seat: null; at: number; catalogVersion: string; seats: string[]; commandSeq: number };
    /** Library versions no seat uses any more were deleted. */
    'content.gc': { seat: null; at: number; versions: string[]; objects: number; bytes: number };
  }
}

export const CONTENT_EVENTS: EventDeclarations = {
  'drive.inserted': 'stored',
  'drive.refused': 'stored',
  'drive.removed': 'stored',
  'content.failed': 'stored',
  'content.ingested': 'stored',
  'content.published': 'stored',
  'content.resynced': 'stored',
  'content.gc': 'stored',
};
