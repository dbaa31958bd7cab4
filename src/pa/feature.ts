import { filter } from 'rxjs';
import type { Feature } from '../app/controller.js';
import type { CommandService } from '../commands/command-service.js';
import { RateLimitedLog } from '../core/log.js';
import type { PaSource } from './detector.js';
import { ManualPaGate } from './manual-gate.js';
import { PaService, type PaEffect } from './pa-service.js';

export const PA_DETECTOR_ISSUER = 'pa-detector';

/**
 * PA override from the audio itself: the detector's decisions become pa.begin /
 * pa.end commands for every seat (multicast now, desired.paOverride in polls),
 * PA events in the cabin stream, and GET /api/v1/pa.
 */
export function paFeature(commands: () => CommandService): Feature {
  let pa: PaService | undefined;
  /** The PA the cabin hears, with the wall time it began (the service's times are monotonic). */
  let current: { source: PaSource; group: string; since: number } | null = null;
  const gate = new ManualPaGate();
  return {
    name: 'pa',
    routes: [
      async (app) => {
        app.get('/api/v1/pa', async () => {
          return {
            inUse: current !== null || gate.manual().length > 0,
            active: current,
            manual: gate.manual(),
            counters: pa?.counters() ?? null,
          };
        });
      },
    ],
    services(ctx) {
      const { config, registry, log } = ctx;
      if (!config.pa.enabled) return [];
      const svc = (pa = new PaService(
        {
          sources: config.pa.sources,
          interface: config.pa.interface,
          thresholdDbfs: config.pa.thresholdDbfs,
          hangoverMs: config.pa.hangoverMs,
          maxPaMs: config.pa.maxPaMs,
          l16PayloadTypes: config.pa.l16PayloadTypes,
        },
        { log: new RateLimitedLog(log.child({ service: 'pa' })).keyed('pa-bad-datagram') },
      ));
      registry.events$.pipe(filter((e) => e.type === 'command.sent' && (e.cmd === 'pa.begin' || e.cmd === 'pa.end'))).subscribe((e) => {
        if (e.type !== 'command.sent') return;
        const args = e.args as { source?: PaSource };
        if (args.source) gate.observe(e.cmd, args.source, e.by === PA_DETECTOR_ISSUER);
      });
      svc.effects$.subscribe((effect) => act(effect));
      svc.state$.subscribe((s) => {
        if (!s) current = null;
        else if (current?.source !== s.source) current = { source: s.source, group: s.group, since: Date.now() };
      });

      function act(e: PaEffect): void {
        const at = Date.now();
        if (e.type === 'pa.fault' || e.type === 'pa.faultCleared') {
          registry.publish({ type: 'system', seat: null, at, message: `${e.code} ${e.type === 'pa.fault' ? 'raised' : 'cleared'} on the ${e.source} PA`, detail: e });
          return;
        }
        registry.publish({ type: e.type === 'pa.begin' ? 'pa.started' : 'pa.stopped', seat: null, at, source: e.source });
        if (!gate.allows(e.source)) return;
        const args = e.type === 'pa.begin' ? { source: e.source, group: e.group } : { source: e.source };
        try {
          commands().issue({ target: { all: true }, cmd: e.type, args }, { issuer: PA_DETECTOR_ISSUER });
        } catch (err) {
          log.error({ err: (err as Error).message, effect: e }, 'PA command failed');
        }
      }
      return [svc];
    },
  };
}
