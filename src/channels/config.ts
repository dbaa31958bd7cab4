import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem, PurserConfig } from '../contract/config.js';
import { Ipv4, Section } from '../config/formats.js';
import { channelEntrySchema, validateChannels, type ChannelConfig } from './channel-config.js';

/** `vlc:`: the one supervised VLC that streams every channel (docs/channels.md). */
export const vlcSection = Section({
  enabled: Type.Boolean({ default: true }),
  /** VLC refuses to run as root: when Purser is root it drops VLC to this user (setpriv). */
  user: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', description: 'a user name or uid', default: 'nobody' }),
  /** The user's group; default the user's primary group from /etc/passwd. */
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', description: 'a group name or gid' })),
  /** The address of the cabin interface the channels go out of (VLC's --miface takes the interface it belongs to). */
  interface: Ipv4('127.0.0.1'),
  ttl: Type.Integer({ minimum: 1, maximum: 255, default: 1 }),
  /** The VLC binary. */
  path: Type.String({ minLength: 1, default: 'cvlc' }),
});

/** `channels:`: the broadcast channels. Absent: the demo's two generated channels. */
export const channelsSection = Type.Optional(Type.Array(channelEntrySchema, { maxItems: 64 }));

/** `safety:`: the safety video, a broadcast played on demand; its id and name have defaults. Absent: the demo's generated clip. */
const entry = channelEntrySchema.properties;
export const safetySection = Type.Optional(
  Type.Object({ source: entry.source, group: entry.group, name: Type.Optional(entry.name), id: Type.Optional(entry.id) }, { additionalProperties: false }),
);

export type VlcConfig = Static<typeof vlcSection>;

declare module '../contract/config.js' {
  interface ConfigSections {
    vlc: VlcConfig;
    channels?: Static<typeof channelsSection>;
    safety?: Static<typeof safetySection>;
  }
}

/**
 * Where the demo's clips live, and what they are (SEAT-PROTOCOL §4 groups).
 * As root, VLC runs as vlc.user, which cannot search a state dir under a
 * 0700 home (/root/.local/state/purser), and the state dir holds the cabin's
 * keys, so it is not opened up: the clips then go to one directory under
 * /var/tmp, shared by every state dir (a clip's name says what it is, and it
 * is written whole or not at all).
 */
export const ROOT_DEMO_DIR = '/var/tmp/purser-demo-channels';

export function demoDir(stateDir: string, uid = process.getuid?.()): string {
  return uid === 0 ? ROOT_DEMO_DIR : join(stateDir, 'channels');
}

export const DEMO_CHANNELS = [
  { id: 'news', name: 'News 24', file: 'news.ts', group: '239.255.30.1:5000', toneHz: 440 },
  { id: 'films', name: 'Film Club', file: 'films.ts', group: '239.255.30.2:5000', toneHz: 660 },
] as const;
export const DEMO_SAFETY = { id: 'safety', name: 'Safety video', file: 'safety.ts', group: '239.255.30.100:5000', toneHz: 880 } as const;

export interface ResolvedChannels {
  channels: ChannelConfig[];
  safety: ChannelConfig;
  /** Which of them are the demo's, to generate at first start. */
  demo: { channels: boolean; safety: boolean };
}

type Resolution = { ok: true; value: ResolvedChannels } | { ok: false; problems: ConfigProblem[] };

/** The channels and the safety video as configured, the demo's where absent, validated together (ids and groups are unique across both). */
export function resolveChannels(config: Pick<PurserConfig, 'stateDir' | 'channels' | 'safety'>): Resolution {
  const dir = demoDir(config.stateDir);
  const channels = config.channels ?? DEMO_CHANNELS.map((c) => ({ id: c.id, name: c.name, source: join(dir, c.file), group: c.group }));
  const s = config.safety;
  const safety = s ? { id: s.id ?? 'safety', name: s.name ?? 'Safety video', source: s.source, group: s.group } : { id: DEMO_SAFETY.id, name: DEMO_SAFETY.name, source: join(dir, DEMO_SAFETY.file), group: DEMO_SAFETY.group };
  const v = validateChannels(channels, safety);
  if (!v.ok) return { ok: false, problems: v.errors.map((e) => ({ keyPath: e.path.replace(/\[(\d+)\]/g, '.$1'), reason: e.message })) };
  return { ok: true, value: { channels: v.channels, safety: v.safety, demo: { channels: config.channels === undefined, safety: s === undefined } } };
}

/** The name of the interface holding `address` (VLC's --miface wants a name), or undefined. */
export function interfaceNameOf(address: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => a.family === 'IPv4' && a.address === address)) return name;
  }
  return undefined;
}

/** Checks a schema cannot express, run before anything starts. */
export function checkChannels(config: PurserConfig): ConfigProblem[] {
  const r = resolveChannels(config);
  if (!r.ok) return r.problems;
  if (config.vlc?.enabled !== false && interfaceNameOf(config.vlc?.interface ?? '127.0.0.1') === undefined) {
    return [{ keyPath: 'vlc.interface', reason: `no network interface has the address ${config.vlc?.interface}` }];
  }
  return [];
}
