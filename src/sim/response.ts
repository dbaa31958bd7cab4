import type { DesiredState, PollResponse } from '../../protocols/seat-poll/types.js';
import type { Channel, PaOverride } from './media.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Bounds on the poll interval a controller may ask for: a bad answer must neither spin a seat nor park it. */
export const MIN_POLL_INTERVAL_MS = 10;
export const MAX_POLL_INTERVAL_MS = 60_000;

type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;
export const BAD = Symbol('bad');

/**
 * Parses a 200 answer to a poll the way seat firmware must: whole or not at
 * all, so a malformed answer changes nothing on the seat. Values that end up in
 * the next poll (channel name, volume) are held to the poll schema's bounds.
 */
export function parsePollResponse(text: string): Parsed<PollResponse> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObj(json)) return { ok: false, reason: 'not an object' };
  const { serverAt, pollIntervalMs, commands, zone } = json;
  if (typeof serverAt !== 'number' || !Number.isFinite(serverAt)) return { ok: false, reason: 'serverAt' };
  if (typeof pollIntervalMs !== 'number' || !Number.isInteger(pollIntervalMs) || pollIntervalMs <= 0) {
    return { ok: false, reason: 'pollIntervalMs' };
  }
  if (!Array.isArray(commands)) return { ok: false, reason: 'commands' };
  if (zone !== undefined && !(typeof zone === 'string' && /^[A-Za-z0-9_-]{1,16}$/.test(zone))) return { ok: false, reason: 'zone' };
  const desired = parseDesired(json.desired);
  if (!desired.ok) return { ok: false, reason: `desired.${desired.reason}` };
  const interval = Math.min(MAX_POLL_INTERVAL_MS, Math.max(MIN_POLL_INTERVAL_MS, pollIntervalMs));
  const value: PollResponse = { serverAt, pollIntervalMs: interval, desired: desired.value, commands };
  if (zone !== undefined) value.zone = zone;
  return { ok: true, value };
}

function parseDesired(d: unknown): Parsed<DesiredState> {
  if (!isObj(d)) return { ok: false, reason: 'missing' };
  const paOverride = paOverrideOf(d.paOverride);
  if (paOverride === BAD) return { ok: false, reason: 'paOverride' };
  if (typeof d.locked !== 'boolean') return { ok: false, reason: 'locked' };
  const channel = channelOf(d.channel);
  if (channel === BAD) return { ok: false, reason: 'channel' };
  const message = messageOf(d.message);
  if (message === BAD) return { ok: false, reason: 'message' };
  const cap = d.volumeCap;
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 0 || cap > 10) return { ok: false, reason: 'volumeCap' };
  return { ok: true, value: { paOverride, locked: d.locked, channel, message, volumeCap: cap } };
}

export function paOverrideOf(v: unknown): PaOverride | null | typeof BAD {
  if (v === null) return null;
  return isObj(v) && isText(v.source, 256) && isText(v.group, 256) ? { source: v.source, group: v.group } : BAD;
}

export function channelOf(v: unknown, safety?: boolean): Channel | null | typeof BAD {
  if (v === null) return null;
  if (!isObj(v) || !isText(v.channel, 128) || !isText(v.group, 256)) return BAD;
  if (v.safety !== undefined && typeof v.safety !== 'boolean') return BAD;
  return { channel: v.channel, group: v.group, safety: safety ?? v.safety === true };
}

function messageOf(v: unknown): DesiredState['message'] | typeof BAD {
  if (v === null) return null;
  return isObj(v) && typeof v.text === 'string' && typeof v.level === 'string' ? { text: v.text, level: v.level } : BAD;
}
