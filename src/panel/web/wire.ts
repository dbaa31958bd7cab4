/**
 * The JSON the controller's API and live stream send, as the page reads it.
 * Every type is the server's own, re-exported type-only (esbuild erases these
 * lines: nothing of the server reaches the bundle), never a hand copy: a route
 * that changes what it sends fails the panel's typecheck.
 */
export type { Alert, AlertChange } from '../../alerts/alert.js';
export type { PendingMove } from '../../cabin/moves.js';
export type { Entity, EntityChange } from '../../contract/entities.js';
export type { CabinEvent } from '../../contract/events.js';
export type { PanelRole as Role } from '../../auth/principal.js';
export type { MediaState as Media } from '../../../protocols/seat-poll/types.js';
export type { Target } from '../../../protocols/seat-command/types.js';
export type { RowDef as LayoutRow } from '../../config/layout.js';
export type { LayoutView as Layout, SeatDetail, SeatList, SeatSummary } from '../../http/routes/seats-api.js';
export type { EntityList } from '../../http/routes/entities-api.js';
export type { LiveFrame, LiveFrameName } from '../../http/routes/live-frames.js';
export type { AlertList } from '../../alerts/routes.js';
export type { PanelSettings } from '../../panel/settings-route.js';
export type { HistoryPage as CommandHistory } from '../../commands/command-service.js';
export type { SessionInfo, SessionView } from '../../http/session/routes.js';
export type { CommandStatus } from '../../commands/delivery.js';
export type { PaActive, PaStatus } from '../../pa/feature.js';
import type { LayoutView } from '../../http/routes/seats-api.js';

/** "Zone J · Business", or "Zone J" when the layout gives no name. */
export function zoneLabel(layout: Pick<LayoutView, 'zoneNames'> | null, zone: string): string {
  const name = layout?.zoneNames && Object.hasOwn(layout.zoneNames, zone) ? layout.zoneNames[zone] : undefined;
  return name ? `Zone ${zone} · ${name}` : `Zone ${zone}`;
}
