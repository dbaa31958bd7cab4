import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChannelEntity, SafetyEntity } from './channel-manager.js';

/**
 * Each broadcast channel (and the safety video) on the controller's /metrics,
 * read at scrape time from what the controller itself hears on the groups:
 * MPEG-TS packets and continuity errors (lost or reordered packets on the way
 * from VLC), and whether it counts as on air. The counts are the group
 * monitor's since start, kept across VLC restarts.
 */
export class ChannelMetrics {
  constructor(registry: Registry, media: () => { channels: readonly ChannelEntity[]; safety: SafetyEntity }) {
    const registers = [registry];
    const all = () => {
      const { channels, safety } = media();
      return [...channels.map((c) => ({ id: c.id, onAir: c.state === 'on-air', a: c.attributes })), { id: safety.id, onAir: safety.attributes.onAir, a: safety.attributes }];
    };
    // Counters read whole at each scrape (the group monitor keeps the totals): reset, then set.
    const counter = (name: string, help: string, value: (a: ChannelEntity['attributes']) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['channel'] as const,
        registers,
        collect() {
          this.reset();
          for (const m of all()) this.inc({ channel: m.id }, value(m.a));
        },
      });
    counter('purser_channel_ts_packets_total', 'MPEG-TS packets the controller heard on each channel group (the safety video included)', (a) => a.packets);
    counter('purser_channel_ts_continuity_errors_total', 'MPEG-TS continuity-counter jumps heard on each channel group: packets lost or reordered', (a) => a.ccErrors);
    new Gauge({
      name: 'purser_channel_on_air',
      help: '1 while the channel is on air (VLM plays it and its packets are heard), else 0',
      labelNames: ['channel'] as const,
      registers,
      collect() {
        this.reset();
        for (const m of all()) this.set({ channel: m.id }, m.onAir ? 1 : 0);
      },
    });
  }
}
