import { access, chmod, lstat, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { BehaviorSubject, combineLatest, filter } from 'rxjs';
import type { VlcTelnetClient } from '../../protocols/vlc-telnet/client.js';
import type { EntityUpdate } from '../contract/entities.js';
import type { Feature } from '../contract/feature.js';
import { HealthCell, type Service } from '../core/service.js';
import { ChannelManager, type ChannelEntity } from './channel-manager.js';
import { ChannelMetrics } from './channel-metrics.js';
import { checkChannels, channelsSection, DEMO_CHANNELS, DEMO_SAFETY, demoDir, interfaceNameOf, resolveChannels, safetySection, vlcSection } from './config.js';
import { CHANNEL_EVENTS } from './events.js';
import { channelRoutes } from './routes.js';
import { SafetyVideo, type SafetyNotice, type SafetyStatus } from './safety-video.js';
import { makeTestClip } from './test-clips.js';
import { VlcProcess, type VlcProcessStatus } from './vlc-process.js';

declare module '../contract/capabilities.js' {
  interface Capabilities {
    /** The broadcast channels and the safety video (docs/channels.md). */
    channels: ChannelsCapability;
  }
}

export interface ChannelsCapability {
  readonly safety: SafetyVideo;
  channels(): ChannelEntity[];
  vlc(): VlcProcessStatus | null;
}

/** Counters change with every packet: an entity's attributes are written at most this often (its state at once). */
const ENTITY_THROTTLE_MS = 1000;

/**
 * Broadcast channels and the safety video: one supervised VLC driven over
 * telnet/VLM, each channel and the safety video an entity, the safety video's
 * API and its commands to the seats, its pause for a PA.
 */
export function channelsFeature(): Feature {
  return {
    name: 'channels',
    config: {
      vlc: { schema: vlcSection, check: (_v, config) => checkChannels(config) },
      channels: { schema: channelsSection },
      safety: { schema: safetySection },
    },
    events: CHANNEL_EVENTS,
    setup(ctx) {
      const { config, bus, log, entities, registry } = ctx;
      const commands = ctx.need('commands');
      const r = resolveChannels(config);
      if (!r.ok) throw new Error(`channels config: ${r.problems.map((p) => `${p.keyPath}: ${p.reason}`).join('; ')}`);
      const { channels, safety, demo } = r.value;
      const clog = log.child({ service: 'channels' });
      const vlcHome = join(config.stateDir, 'vlc', 'home');
      const vlc = config.vlc.enabled
        ? new VlcProcess({
            homeDir: vlcHome,
            miface: interfaceNameOf(config.vlc.interface) ?? 'lo',
            ttl: config.vlc.ttl,
            vlcPath: config.vlc.path,
            runAs: { user: config.vlc.user, ...(config.vlc.group ? { group: config.vlc.group } : {}) },
            log: clog,
          })
        : null;
      const manager = new ChannelManager({ vlc: vlc ?? { client$: new BehaviorSubject<VlcTelnetClient | null>(null) }, channels, safety, interfaceAddress: config.vlc.interface, log: clog });
      const notify = (n: SafetyNotice): void => {
        const at = Date.now();
        if (n.type === 'safety.started') bus.publish({ type: 'safety.started', seat: null, at, channel: safety.id, seq: n.seq, by: n.by });
        else if (n.type === 'safety.ended') bus.publish({ type: 'safety.ended', seat: null, at, channel: safety.id, reason: n.reason, by: n.by, seq: n.seq });
        else if (n.type === 'safety.paused') bus.publish({ type: 'safety.paused', seat: null, at, channel: safety.id, source: n.source });
        else bus.publish({ type: 'safety.resumed', seat: null, at, channel: safety.id });
      };
      const video = new SafetyVideo({ manager, safety, commands, notify, log: clog });
      new ChannelMetrics(ctx.metrics.registry, () => ({ channels: manager.channels, safety: manager.safety }));
      const health = new HealthCell('down', 'not started');
      let unavailable: string | null = config.vlc.enabled ? null : 'VLC is disabled (vlc.enabled: false)';

      // Entities: state at once, counters at most once a second.
      const throttle = new EntityThrottle((u) => entities.set(u));
      const lastState = new Map<string, string>();
      const writeChannels = (list: ChannelEntity[], force = false): void => {
        for (const c of list) {
          const state = unavailable ? 'down' : c.state;
          const prev = lastState.get(c.id);
          if (prev !== undefined && prev !== state) bus.publish({ type: 'channel.state', seat: null, at: Date.now(), channel: c.id, state, previous: prev });
          lastState.set(c.id, state);
          throttle.set({ id: `channel:${c.id}`, kind: 'channel', name: c.attributes.name, state, attributes: { ...c.attributes, ...(unavailable ? { reason: unavailable } : {}) } }, force);
        }
      };
      manager.channels$.subscribe((list) => writeChannels(list));
      video.status$.subscribe((s) => throttle.set(safetyEntity(s, unavailable)));
      const vlcState$ = vlc ? vlc.state$ : null;
      if (vlcState$) {
        combineLatest([vlcState$, manager.channels$]).subscribe(([v, list]) => {
          if (unavailable) return health.set('down', unavailable);
          if (v.state !== 'running') return health.set('down', `VLC ${v.state}: ${v.detail}`);
          const off = list.filter((c) => c.state !== 'on-air');
          if (off.length > 0) health.set('degraded', `not on air: ${off.map((c) => `${c.id} (${c.state})`).join(', ')}`);
          else health.set('ok');
        });
      } else health.set('down', unavailable ?? 'disabled');

      // A PA pauses the safety video (VLC; seats pause for pa.begin itself) and it resumes after.
      // The detector's PA comes as pa.started/pa.stopped; the crew's own PA (the panel's "Start
      // cabin PA") only as pa.begin/pa.end commands. A source is on while either says so.
      const heard = new Set<string>();
      const commanded = new Set<string>();
      const paOn = (source: string) => heard.has(source) || commanded.has(source);
      bus.events$.subscribe((e) => {
        let source: string;
        let apply: () => void;
        if (e.type === 'pa.started' || e.type === 'pa.stopped') {
          source = e.source;
          apply = () => (e.type === 'pa.started' ? heard.add(source) : heard.delete(source));
        } else if (e.type === 'command.sent' && (e.cmd === 'pa.begin' || e.cmd === 'pa.end')) {
          const s = (e.args as { source?: unknown } | null)?.source;
          if (typeof s !== 'string') return;
          source = s;
          apply = () => (e.cmd === 'pa.begin' ? commanded.add(source) : commanded.delete(source));
        } else return;
        const was = paOn(source);
        apply();
        if (paOn(source) && !was) void video.paStarted(source);
        else if (!paOn(source) && was) void video.paStopped(source);
      });
      // Live delivery: the command's acknowledgements, and seats reporting the video playing.
      const watching = (): number => {
        let n = 0;
        for (const s of registry.all()) if (s.status === 'online' && s.media?.state === 'safety' && s.media.item === safety.id) n++;
        return n;
      };
      let lastProgress: Parameters<SafetyVideo['updateDelivery']>[1] | null = null;
      bus.events$.pipe(filter((e) => e.type === 'command.progress')).subscribe((e) => {
        if (e.type !== 'command.progress') return;
        const st = e.status;
        if (st.seq !== video.status.delivery?.seq) return;
        lastProgress = { targeted: st.targeted, acked: st.acked, pending: st.pending, offline: st.offline.length, state: st.state };
        video.updateDelivery(st.seq, lastProgress, watching());
      });
      const deliveryTimer = setInterval(() => {
        const d = video.status.delivery;
        if (d) video.updateDelivery(d.seq, lastProgress ?? d, watching());
      }, 1000);
      deliveryTimer.unref();

      const service: Service = {
        name: 'channels',
        health$: health.health$,
        async start() {
          if (!vlc) return;
          const missing = await missingBinary(config.vlc.path);
          if (missing) {
            unavailable = missing;
            health.set('down', missing);
            writeChannels(manager.channels, true);
            throttle.set(safetyEntity(video.status, unavailable), true);
            clog.warn({ path: config.vlc.path }, missing);
            return;
          }
          if (demo.channels || demo.safety) await makeDemoClips(config.stateDir, demo, clog);
          await manager.start();
          await vlc.start();
        },
        async stop() {
          clearInterval(deliveryTimer);
          throttle.stop();
          await manager.stop();
          await vlc?.stop();
        },
      };

      return {
        services: [service],
        routes: [channelRoutes({ video, manager, channels, safety, commands, vlc: () => vlc?.status ?? null })],
        provides: { channels: { safety: video, channels: () => manager.channels, vlc: () => vlc?.status ?? null } },
      };
    },
  };
}

function safetyEntity(s: SafetyStatus, unavailable: string | null): EntityUpdate {
  const state = unavailable ? 'down' : s.pausedFor ? 'paused' : s.state;
  return { id: `safety:${s.channel}`, kind: 'safety', name: s.name, state, attributes: { ...s, ...(unavailable ? { reason: unavailable } : {}) } };
}

/** Writes an entity's state at once, its other fields at most once per ENTITY_THROTTLE_MS (the last one wins). */
class EntityThrottle {
  readonly #last = new Map<string, { state: string; at: number; pending?: EntityUpdate; timer?: NodeJS.Timeout }>();
  constructor(private readonly write: (u: EntityUpdate) => void) {}

  set(u: EntityUpdate, force = false): void {
    const now = Date.now();
    const l = this.#last.get(u.id);
    if (force || !l || l.state !== u.state || now - l.at >= ENTITY_THROTTLE_MS) {
      if (l?.timer) clearTimeout(l.timer);
      this.#last.set(u.id, { state: u.state, at: now });
      this.write(u);
      return;
    }
    l.pending = u;
    l.timer ??= setTimeout(() => {
      l.timer = undefined;
      const p = l.pending;
      l.pending = undefined;
      if (p) this.set(p);
    }, ENTITY_THROTTLE_MS - (now - l.at)).unref();
  }

  stop(): void {
    for (const l of this.#last.values()) clearTimeout(l.timer);
  }
}

/** Why VLC cannot run, or null: a missing binary is a clear reason, never a crash. */
async function missingBinary(path: string): Promise<string | null> {
  const candidates = isAbsolute(path) || path.includes('/') ? [path] : (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).map((d) => join(d, path));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return null;
    } catch {
      // next
    }
  }
  return `VLC is not installed (${path} not found${isAbsolute(path) ? '' : ' on PATH'}): install vlc-bin and vlc-plugin-base, or set vlc.enabled: false`;
}

/**
 * The demo's channels and safety video, generated with ffmpeg at first start.
 * VLC runs as another user when we are root, so the clips' directory
 * (demoDir: under /var/tmp then) must be readable by it; and since anyone may
 * create names in /var/tmp, one that is not our own plain directory is refused.
 */
async function makeDemoClips(stateDir: string, demo: { channels: boolean; safety: boolean }, log: { warn(o: object, m: string): void; info(o: object, m: string): void }): Promise<void> {
  const dir = demoDir(stateDir);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const st = await lstat(dir);
    if (!st.isDirectory() || st.uid !== process.getuid?.()) throw new Error(`${dir} is not a directory of ours (a symlink, or another user's): not writing clips there`);
    await chmod(dir, 0o755);
    if (demo.channels) for (const c of DEMO_CHANNELS) await makeTestClip({ dir, name: c.file.replace(/\.ts$/, ''), seconds: 10, toneHz: c.toneHz });
    if (demo.safety) await makeTestClip({ dir, name: DEMO_SAFETY.file.replace(/\.ts$/, ''), seconds: 20, toneHz: DEMO_SAFETY.toneHz });
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'demo: could not generate the channel clips (ffmpeg?): those channels stay source-missing');
  }
}
