import type { Feature } from '../app/controller.js';
import { AlertService } from '../alerts/alert-service.js';
import { ALERT_MIGRATIONS } from '../alerts/migrations.js';
import { alertRoutes } from '../alerts/routes.js';
import { ApiError } from '../http/errors.js';
import { sessionRoutes } from '../http/session/routes.js';
import { panelSettingsRoutes } from './settings-route.js';
import { panelStaticRoutes } from './static-routes.js';

export interface PanelOptions {
  /** Where the built page is (default dist/panel); tests build their own. */
  webRoot?: string;
}

/** The crew's touchscreen: the page, PIN sessions, and the alert book. */
export function panelFeature(opts: PanelOptions = {}): Feature {
  let alerts: AlertService | undefined;
  const getAlerts = () => {
    if (!alerts) throw new ApiError(503, 'ALERTS_NOT_STARTED', 'the alert book is not running yet');
    return alerts;
  };
  return {
    name: 'panel',
    migrations: ALERT_MIGRATIONS,
    services: (ctx) => [(alerts = new AlertService(ctx))],
    routes: [sessionRoutes(), alertRoutes(getAlerts), panelSettingsRoutes, panelStaticRoutes(opts)],
  };
}
