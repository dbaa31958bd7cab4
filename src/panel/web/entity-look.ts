import type { Entity } from './wire.js';

/**
 * States that need nobody's attention, for entities whose publisher does not
 * say (no `attention` attribute); anything else is shown as a problem.
 */
const CALM = new Set(['ok', 'on-air', 'idle', 'on', 'up', 'ready', 'completed', 'done', 'gate', 'playing', 'standby']);

/**
 * Whether the Systems view flags an entity. The feature that publishes it
 * knows best which of its states are normal (the console `listening`, the
 * tunnel `waiting-for-ground`), so a boolean `attention` attribute decides;
 * without one, the CALM list does.
 */
export function needsAttention(e: Entity): boolean {
  const a = e.attributes.attention;
  return typeof a === 'boolean' ? a : !CALM.has(e.state);
}

/** The one line of why shown next to an entity's state: its `detail`, `reason` or `lastError`, the first that is a non-empty string. */
export function entityDetail(e: Entity): string {
  const a = e.attributes;
  for (const v of [a.detail, a.reason, a.lastError]) if (typeof v === 'string' && v !== '') return v;
  return '';
}
