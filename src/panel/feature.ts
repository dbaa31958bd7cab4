import { AlertService } from '../alerts/alert-service.js';
import { ALERT_EVENTS } from '../alerts/events.js';
import { ALERT_MIGRATIONS } from '../alerts/migrations.js';
import { alertRoutes } from '../alerts/routes.js';
import { panelPrincipalName } from '../auth/principal.js';
import { SessionStore } from '../auth/session-store.js';
import type { Feature } from '../contract/feature.js';
import { sessionRoutes } from '../http/session/routes.js';
import { checkPanelSection, configuredPins, panelSection } from './config.js';
import { panelSettingsRoutes } from './settings-route.js';
import { panelStaticRoutes } from './static-routes.js';

export interface PanelOptions {
  /** Where the built page is (default dist/panel); tests build their own. */
  webRoot?: string;
  /** The clock panel sessions expire by (tests turn it by hand). */
  now?: () => number;
}

/** The crew's touchscreen: the page, PIN sessions, the alert book, and every entity for the page to show. */
export function panelFeature(opts: PanelOptions = {}): Feature {
  return {
    name: 'panel',
    config: { panel: { schema: panelSection, check: checkPanelSection } },
    migrations: ALERT_MIGRATIONS,
    events: ALERT_EVENTS,
    setup(ctx) {
      const alerts = new AlertService(ctx);
      const sessions = new SessionStore(opts.now);
      return {
        services: [alerts],
        routes: [sessionRoutes(sessions, configuredPins(ctx.config.panel), opts.now), alertRoutes(alerts), panelSettingsRoutes, panelStaticRoutes(opts)],
        provides: {
          sessions: (id) => {
            const s = sessions.get(id);
            return s ? { role: s.role, name: panelPrincipalName(s.role, s.person), via: 'session', ...(s.person !== undefined ? { person: s.person } : {}) } : null;
          },
        },
      };
    },
  };
}
