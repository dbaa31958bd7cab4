import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';

/**
 * One entry of `channels:` as the config schema reads it. Plain strings: what
 * each must be (a VLM-safe unique id, an absolute path, a free multicast group)
 * is checked by validateChannels, which names the entry and says why.
 */
export const channelEntrySchema = Type.Object(
  {
    /** The VLM media name too: letters, digits, `-`, `_`. */
    id: Type.String(),
    name: Type.String(),
    /** Absolute path of the video file. */
    source: Type.String(),
    /** `239.255.30.N:5000`. */
    group: Type.String(),
  },
  { additionalProperties: false },
);

/** One broadcast channel (or the safety video): a file VLC streams in a loop to a multicast group. */
export type ChannelConfig = Static<typeof channelEntrySchema>;

export interface ConfigError {
  /** Where, e.g. `channels[2].group`. */
  path: string;
  message: string;
}

export type ChannelsValidation = { ok: true; channels: ChannelConfig[]; safety: ChannelConfig } | { ok: false; errors: ConfigError[] };

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Words VLM reads as something else in `show`/`del`. */
const RESERVED_IDS = new Set(['all', 'media', 'schedule', 'vod', 'broadcast']);

/** `address:port` of an IPv4 multicast group (224.0.0.0/4, not the 224.0.0.0/24 link-local control block), or undefined. */
export function parseGroup(group: string): { address: string; port: number } | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(group);
  if (!m || isIP(m[1]!) !== 4) return undefined;
  const octets = m[1]!.split('.').map(Number);
  const port = Number(m[2]);
  if (octets[0]! < 224 || octets[0]! > 239) return undefined;
  if (octets[0] === 224 && octets[1] === 0 && octets[2] === 0) return undefined;
  if (port < 1 || port > 65535) return undefined;
  return { address: m[1]!, port };
}

/**
 * Checks the channel list and the safety video: each entry an object with a
 * VLM-safe unique id, a name, an absolute source path and a valid multicast
 * group no other entry uses (seats join by address, so addresses are unique,
 * not just address:port). Returns every problem, each with where it is.
 */
export function validateChannels(channels: unknown, safety: unknown): ChannelsValidation {
  const errors: ConfigError[] = [];
  const ids = new Map<string, string>();
  const groups = new Map<string, string>();
  const one = (value: unknown, path: string): ChannelConfig | undefined => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push({ path, message: 'must be an object { id, name, source, group }' });
      return undefined;
    }
    const v = value as Record<string, unknown>;
    const before = errors.length;
    const str = (key: string): string | undefined => {
      const x = Object.hasOwn(v, key) ? v[key] : undefined;
      if (typeof x === 'string') return x;
      errors.push({ path: `${path}.${key}`, message: 'must be a string' });
      return undefined;
    };
    const id = str('id');
    const name = str('name');
    const source = str('source');
    const group = str('group');
    if (id !== undefined) {
      if (!ID.test(id) || RESERVED_IDS.has(id)) errors.push({ path: `${path}.id`, message: `"${id}" is not a usable id (letters, digits, - and _, up to 64, not ${[...RESERVED_IDS].join('/')})` });
      else if (ids.has(id)) errors.push({ path: `${path}.id`, message: `id "${id}" is already used by ${ids.get(id)}` });
      else ids.set(id, path);
    }
    if (name !== undefined && (name.trim() === '' || name.length > 100)) errors.push({ path: `${path}.name`, message: 'must be 1..100 characters' });
    if (source !== undefined && (!isAbsolute(source) || /[\0\r\n]/.test(source))) errors.push({ path: `${path}.source`, message: `"${source}" must be an absolute path on one line` });
    if (group !== undefined) {
      const g = parseGroup(group);
      if (!g) errors.push({ path: `${path}.group`, message: `"${group}" is not a multicast group address:port (224.0.1.0-239.255.255.255, port 1-65535)` });
      else if (groups.has(g.address)) errors.push({ path: `${path}.group`, message: `group ${g.address} is already used by ${groups.get(g.address)}` });
      else groups.set(g.address, path);
    }
    if (errors.length !== before || id === undefined || name === undefined || source === undefined || group === undefined) return undefined;
    return { id, name, source, group };
  };
  const list: ChannelConfig[] = [];
  if (!Array.isArray(channels)) errors.push({ path: 'channels', message: 'must be a list' });
  else channels.forEach((c, i) => {
    const ok = one(c, `channels[${i}]`);
    if (ok) list.push(ok);
  });
  const s = one(safety, 'safety');
  if (errors.length > 0 || !s) return { ok: false, errors };
  return { ok: true, channels: list, safety: s };
}
