/**
 * The words on a content drive's card: sizes, time left, and what the crew
 * should do when a drive stops or is refused. The content feature's messages
 * say what went wrong (in lower case when they come from a check); the panel
 * adds what to do where the message does not say it already.
 */

/** A size crew can read at a glance (the content feature's `readableSize`): GB from 1 GB, MB from 1 MB, else kB. */
export function sizeText(bytes: number): string {
  const [div, unit] = bytes >= 1e9 ? [1e9, 'GB'] : bytes >= 1e6 ? [1e6, 'MB'] : [1e3, 'kB'];
  const v = bytes / div;
  return `${v.toFixed(v < 10 && unit !== 'kB' ? 1 : 0)} ${unit}`;
}

/** "about 42 s left", "about 13 min left"; nothing while unknown; at zero the copy is finishing, not "1 s" forever. */
export function etaText(s: unknown): string {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return '';
  if (s === 0) return 'finishing';
  if (s < 90) return `about ${Math.ceil(s)} s left`;
  if (s < 5400) return `about ${Math.ceil(s / 60)} min left`;
  return `about ${(s / 3600).toFixed(1)} h left`;
}

/** The message as a sentence: a capital first letter and a full stop. */
export function sentence(s: string): string {
  const t = s.trim();
  if (!t) return '';
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** What to do, by the error's code, for messages that only say what went wrong. */
const TO_DO: Record<string, string> = {
  'no-space': 'Call a technician: the content library needs more room before this drive can be copied.',
  corrupt: 'The drive’s content is damaged: remove it and use another copy of the content drive.',
  missing: 'The drive is incomplete: remove it and use another copy of the content drive.',
  'unsafe-file': 'The drive holds a file that is not allowed: remove it and use another copy of the content drive.',
  io: 'Remove the drive and insert it again; if it stops again, call a technician.',
  // Refusals: nothing was copied; the drive can come out.
  'not-a-content-drive': 'Remove it: only content drives packed and signed for Purser are used.',
  invalid: 'Remove it: only content drives packed and signed for Purser are used.',
  'bad-signature': 'Remove it: only content drives packed and signed for Purser are used.',
  stale: 'Remove it: the content on board is newer.',
  conflict: 'Remove it and call a technician: this catalog is already on board with other content.',
  key: 'Remove it and call a technician: the controller has no usable content key, so no drive can be checked.',
};

/** Already says what to do (the feature's own "insert it again", "remove it"). */
const SAYS_WHAT_TO_DO = /\b(insert (it|the drive) again|remove (it|the drive))\b/i;

/**
 * The lines under a drive's headline when it stopped, was refused or was
 * pulled early: what happened, then what to do.
 */
export function troubleText(state: string, message: string, errorCode: string | undefined, safeToRemove: boolean): string[] {
  const lines = message ? [sentence(message)] : [];
  if (SAYS_WHAT_TO_DO.test(message)) return lines;
  const todo = errorCode ? TO_DO[errorCode] : undefined;
  if (todo) return [...lines, todo];
  if (state === 'failed') return [...lines, TO_DO.io!];
  if (state === 'refused' && safeToRemove) return [...lines, 'You can remove it now.'];
  return lines;
}
