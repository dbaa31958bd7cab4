import type { AudioCodec } from '../../protocols/rtp/audio.js';

/** Where `purser sim --play-pa` sends a PA by default: the controller's default `pa.sources`. */
export const PA_GROUPS: Readonly<Record<string, { group: string; port: number }>> = {
  flightdeck: { group: '239.255.20.2', port: 5004 },
  cabin: { group: '239.255.20.1', port: 5004 },
};

export interface PaSpec {
  group: string;
  port: number;
  durationMs: number;
  codec: AudioCodec;
  signal: 'voice' | 'silence';
}

export class PaSpecError extends Error {}

const USAGE = 'a PA is WHERE[:SECONDS][:L16|PCMU][:silence], WHERE being cabin, flightdeck or ADDR/PORT, e.g. cabin:8:PCMU';
const MAX_SECONDS = 600;

/**
 * `--play-pa` and the stdin `play-pa` line: where to play, how long, which
 * codec, and whether a voice or line hiss (which must not begin a PA).
 */
export function parsePaSpec(text: string): PaSpec {
  const [where = '', ...rest] = text.trim().split(':');
  // An own property only: "__proto__" or "constructor" is not a group.
  const named = Object.hasOwn(PA_GROUPS, where) ? PA_GROUPS[where] : undefined;
  const addr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,5})$/.exec(where);
  if (!named && !(addr && Number(addr[2]) >= 1 && Number(addr[2]) <= 65535)) throw new PaSpecError(`${USAGE}; not ${JSON.stringify(text)}`);
  const spec: PaSpec = {
    ...(named ?? { group: addr![1]!, port: Number(addr![2]) }),
    durationMs: 8000,
    codec: 'L16',
    signal: 'voice',
  };
  for (const part of rest) {
    if (part === 'L16' || part === 'PCMU') spec.codec = part;
    else if (part === 'silence') spec.signal = 'silence';
    else if (/^\d+(\.\d+)?$/.test(part) && Number(part) > 0 && Number(part) <= MAX_SECONDS) spec.durationMs = Math.round(Number(part) * 1000);
    else throw new PaSpecError(`${USAGE} (SECONDS up to ${MAX_SECONDS}); not ${JSON.stringify(part)}`);
  }
  return spec;
}
