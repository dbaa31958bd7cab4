import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../contract/feature.js';

/** GET /api/v1/panel: what the page needs from the config. */
export interface PanelSettings {
  /** "GROUP:PORT" a manual cabin PA plays to, or null when no `cabin` PA source is configured. */
  cabinPaGroup: string | null;
}

/** GET /api/v1/panel: what the page needs from the config, e.g. the group a manual cabin PA plays. */
export async function panelSettingsRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  const cabin = (ctx.config.pa?.sources ?? []).find((s) => s.name === 'cabin');
  const settings: PanelSettings = { cabinPaGroup: cabin ? `${cabin.group}:${cabin.port}` : null };
  app.get('/api/v1/panel', async (): Promise<PanelSettings> => settings);
}
