import { filter } from 'rxjs';
import type { EntityUpdate } from '../contract/entities.js';
import type { Feature } from '../contract/feature.js';
import { RateLimitedLog } from '../core/log.js';
import { paSection } from './config.js';
import { PA_SOURCES, type PaSource } from './detector.js';
import { PA_EVENTS } from './events.js';
import { ManualPaGate } from './manual-gate.js';
import { PaMetrics } from './pa-metrics.js';
import { PaService, type PaCounters, type PaEffect } from './pa-service.js';

export const PA_DETECTOR_ISSUER = 'pa-detector';

/** The PA the cabin hears, with the wall time it began (the service's times are monotonic). */
export interface PaActive {
  source: PaSource;
  group: string;
  since: number;
}

/** GET /api/v1/pa. `counters` is null when no detector listens (pa.sources empty). */
export interface PaStatus {
  inUse: boolean;
  active: PaActive | null;
  /** Sources the crew began by hand (pa.begin): the detector leaves them alone until the crew's pa.end. */
  manual: PaSource[];
  counters: PaCounters | null;
}

/** The PA as an entity: `idle`, or the source the cabin hears. */
function paEntity(active: PaActive | null, manual: string[]): EntityUpdate {
  return { id: 'pa:cabin', kind: 'pa', name: 'PA', state: active ? active.source : manual.length > 0 ? 'manual' : 'idle', attributes: { active, manual } };
}

/**
 * PA override from the audio itself: the detector's decisions become pa.begin /
 * pa.end commands for every seat (multicast now, desired.paOverride in polls),
 * PA events on the bus, the `pa:cabin` entity, and GET /api/v1/pa.
 */
export function paFeature(): Feature {
  return {
    name: 'pa',
    config: { pa: { schema: paSection } },
    events: PA_EVENTS,
    setup(ctx) {
      const { config, bus, log, entities } = ctx;
      const commands = ctx.need('commands');
      const gate = new ManualPaGate();
      let current: PaActive | null = null;
      const metrics = new PaMetrics(ctx.metrics.registry, PA_SOURCES);
      const publish = () => {
        entities.set(paEntity(current, gate.manual()));
        metrics.observe([...(current ? [current.source] : []), ...gate.manual()]);
      };
      const pa = config.pa.enabled
        ? new PaService(
            {
              sources: config.pa.sources,
              interface: config.pa.interface,
              thresholdDbfs: config.pa.thresholdDbfs,
              hangoverMs: config.pa.hangoverMs,
              maxPaMs: config.pa.maxPaMs,
              l16PayloadTypes: config.pa.l16PayloadTypes,
            },
            {
              log: new RateLimitedLog(log.child({ service: 'pa' })).keyed('pa-bad-datagram'),
              // The flight deck's PA keyline, where the avionics discretes carry one.
              ...(ctx.find('paKeyline') ? { keyline$: ctx.find('paKeyline')!.keyline$ } : {}),
            },
          )
        : undefined;
      publish();
      bus.events$.pipe(filter((e) => e.type === 'command.sent' && (e.cmd === 'pa.begin' || e.cmd === 'pa.end'))).subscribe((e) => {
        if (e.type !== 'command.sent') return;
        const args = e.args as { source?: PaSource };
        if (args.source) gate.observe(e.cmd, args.source, e.by === PA_DETECTOR_ISSUER);
        publish();
      });
      pa?.effects$.subscribe((effect) => act(effect));
      pa?.state$.subscribe((s) => {
        if (!s) current = null;
        else if (current?.source !== s.source) current = { source: s.source, group: s.group, since: Date.now() };
        publish();
      });

      function act(e: PaEffect): void {
        const at = Date.now();
        if (e.type === 'pa.fault' || e.type === 'pa.faultCleared') {
          bus.publish({ type: 'system', seat: null, at, message: `${e.code} ${e.type === 'pa.fault' ? 'raised' : 'cleared'} on the ${e.source} PA`, detail: e });
          return;
        }
        bus.publish({ type: e.type === 'pa.begin' ? 'pa.started' : 'pa.stopped', seat: null, at, source: e.source });
        if (!gate.allows(e.source)) return;
        const args = e.type === 'pa.begin' ? { source: e.source, group: e.group } : { source: e.source };
        try {
          commands.issue({ target: { all: true }, cmd: e.type, args }, { issuer: PA_DETECTOR_ISSUER });
        } catch (err) {
          log.error({ err: (err as Error).message, effect: e }, 'PA command failed');
        }
      }

      return {
        services: pa ? [pa] : [],
        routes: [
          async (app) => {
            app.get('/api/v1/pa', async (): Promise<PaStatus> => ({
              inUse: current !== null || gate.manual().length > 0,
              active: current,
              manual: gate.manual(),
              counters: pa?.counters() ?? null,
            }));
          },
        ],
      };
    },
  };
}
