import type { SeatSummary } from './wire.js';

/** What a seat shows on the map, most pressing first. Each has its own colour AND its own symbol. */
export type Tone = 'call' | 'offline' | 'fault' | 'updating' | 'pa' | 'safety' | 'locked' | 'paused' | 'playing' | 'idle';

export const TONES: readonly Tone[] = ['call', 'offline', 'fault', 'updating', 'pa', 'safety', 'locked', 'paused', 'playing', 'idle'];

export const TONE_LABEL: Readonly<Record<Tone, string>> = {
  call: 'Call',
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

/** `calling`: the seat has an open call alert (a call the crew cleared no longer shows). */
export function seatLook(id: string, s: SeatSummary | undefined, calling: boolean): SeatLook {
  const faults = s?.faults ?? [];
  const tone: Tone = calling
    ? 'call'
    : !s || s.status === 'offline'
      ? 'offline'
      : faults.length > 0
        ? 'fault'
        : s.update && s.update !== 'idle' && s.update !== 'failed'
          ? 'updating'
          : (s.media ?? 'idle');
  const faultBadge = faults.length > 0 && tone !== 'fault';
  const parts = [TONE_LABEL[tone].toLowerCase()];
  if (tone === 'call' && s?.status === 'offline') parts.push('offline');
  if (faults.length > 0) parts.push(`fault ${faults.join(', ')}`);
  return { tone, faultBadge, label: `${id}: ${parts.join(', ')}` };
}
