import type { SeatSummary } from './wire.js';

/** What a seat shows on the map, most pressing first. Each has its own colour AND its own symbol. */
export type Tone = 'call' | 'answered' | 'offline' | 'fault' | 'updating' | 'pa' | 'safety' | 'locked' | 'paused' | 'playing' | 'idle';

export const TONES: readonly Tone[] = ['call', 'answered', 'offline', 'fault', 'updating', 'pa', 'safety', 'locked', 'paused', 'playing', 'idle'];

export const TONE_LABEL: Readonly<Record<Tone, string>> = {
  call: 'Call',
  /** The crew cleared the call but the seat's call light is still on: never shown as no call. */
  answered: 'Call light on',
  offline: 'Offline',
  fault: 'Fault',
  updating: 'Updating',
  pa: 'PA',
  safety: 'Safety video',
  locked: 'Locked',
  paused: 'Paused',
  playing: 'Playing',
  idle: 'Idle',
};

export interface SeatLook {
  tone: Tone;
  /** A fault the main symbol does not already say. */
  faultBadge: boolean;
  /** For screen readers and the detail header: "12C: call, fault DISK_SMART". */
  label: string;
}

/**
 * `calling`: the seat has an open call alert. A call the crew cleared while the
 * seat still reports its light on shows as `answered`, never as no call.
 */
export function seatLook(id: string, s: SeatSummary | undefined, calling: boolean): SeatLook {
  const faults = s?.faults ?? [];
  const tone: Tone = calling
    ? 'call'
    : !s || s.status === 'offline'
      ? 'offline'
      : s.call
        ? 'answered'
        : faults.length > 0
          ? 'fault'
          : s.update && s.update !== 'idle' && s.update !== 'failed'
            ? 'updating'
            : (s.media ?? 'idle');
  const faultBadge = faults.length > 0 && tone !== 'fault';
  const parts = [TONE_LABEL[tone].toLowerCase()];
  if (tone === 'call' && s?.status === 'offline') parts.push('offline');
  if (faults.length > 0) parts.push(`fault ${faults.join(', ')}`);
  if (s?.media === 'locked' && tone !== 'locked') parts.push('locked');
  return { tone, faultBadge, label: `${id}: ${parts.join(', ')}` };
}

/**
 * Every state a seat is in, for the legend's counts: its tone, plus a lock or
 * a fault its tone hides (a locked seat with a call counts as both).
 */
export function seatStates(s: SeatSummary | undefined, tone: Tone): Tone[] {
  const out = [tone];
  if (s && s.status === 'online' && s.media === 'locked' && tone !== 'locked') out.push('locked');
  if (s && (s.faults?.length ?? 0) > 0 && tone !== 'fault') out.push('fault');
  return out;
}
