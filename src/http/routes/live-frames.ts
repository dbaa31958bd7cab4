import type { CabinEvent } from '../../contract/events.js';
import type { EntityChange } from '../../contract/entities.js';
import type { SeatSummary } from './seats-api.js';

/**
 * What GET /api/v1/events sends, by frame name: the one definition the
 * stream writes with (sseFrame) and the panel reads with (a type-only
 * import), so the two cannot drift. `cabin` carries stored events and `live`
 * the live-only ones (command progress, alert changes), each a CabinEvent
 * of the open event map.
 */
export interface LiveFrames {
  seat: SeatSummary;
  cabin: CabinEvent;
  live: CabinEvent;
  entity: EntityChange;
}

export type LiveFrameName = keyof LiveFrames;

/** One frame as a reader holds it: narrow on `event` to get its data's type. */
export type LiveFrame = { [K in LiveFrameName]: { event: K; data: LiveFrames[K] } }[LiveFrameName];

/** One Server-Sent Events frame. */
export function sseFrame<K extends LiveFrameName>(event: K, data: LiveFrames[K]): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
