import type { Observable } from 'rxjs';
import { map } from 'rxjs';
import type { Feature, RoutePlugin } from '../contract/feature.js';
import type { Service } from '../core/service.js';
import { MonitorService } from '../monitors/monitor-service.js';
import type { PaSource } from '../pa/detector.js';
import { avionicsSection, checkAvionics, checkMonitors, monitorsSection } from './config.js';
import { AVIONICS_EVENTS } from './events.js';
import { flightRoutes, monitorRoutes } from './routes.js';
import { AvionicsService, serialEntity } from './service.js';
import '../contract/ground-gate.js';

/** The flight-deck PA keyline as the PA detector's keyline input takes it (PaServiceOptions.keyline$). */
export interface PaKeyline {
  keyline$: Observable<{ source: PaSource; on: boolean }>;
}

declare module '../contract/capabilities.js' {
  interface Capabilities {
    /** The PA keyline discrete, for the PA feature (src/pa) to pass to its detector. */
    paKeyline: PaKeyline;
    /** The avionics feed itself (flight info, phase, counters). */
    avionics: AvionicsService;
  }
}

/**
 * The aircraft, read-only: ARINC 429 ports through hardware/serial, discretes,
 * the flight phase and the `groundGate` capability (docs/avionics.md); the
 * overhead monitors on RS-232 (docs/monitors.md); the moving-map feed for
 * seats (GET /seat/v1/flight). Listed before firmware, which asks for the gate.
 */
export function avionicsFeature(): Feature {
  return {
    name: 'avionics',
    config: {
      avionics: { schema: avionicsSection, check: checkAvionics },
      monitors: { schema: monitorsSection, check: checkMonitors },
    },
    events: AVIONICS_EVENTS,
    setup(ctx) {
      const { config, bus, entities } = ctx;
      const log = ctx.log.child({ service: 'avionics' });
      const services: Service[] = [];
      const routes: RoutePlugin[] = [];
      const avionics = config.avionics.enabled ? new AvionicsService(config.avionics, { entities, bus, log }) : undefined;
      if (avionics) services.push(avionics);
      routes.push(flightRoutes(avionics));
      if (config.monitors.length > 0) {
        const monitors = new MonitorService(config.monitors, { entities, bus, log: ctx.log.child({ service: 'monitors' }), serialEntity });
        services.push(monitors);
        routes.push(monitorRoutes(monitors));
      }
      return {
        services,
        routes,
        provides: avionics
          ? {
              groundGate: avionics.gate,
              avionics,
              paKeyline: { keyline$: avionics.keyline$.pipe(map((on) => ({ source: 'flightdeck' as PaSource, on }))) },
            }
          : {},
      };
    },
  };
}
