import { api, ApiFailure } from './api.js';
import { connectLive } from './live.js';
import { STANDING_COMMANDS } from './standing.js';
import type { Action, Snapshot } from './state.js';
import type { Store } from './store.js';
import type { Alert, AlertList, CommandHistory, EntityList, Layout, LiveFrame, PanelSettings, PaStatus, SeatList, SessionInfo } from './wire.js';

/** A route another part of the controller may not have yet: its absence is not an outage. */
async function optional<T>(p: Promise<T>, fallback: T): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 404) return fallback;
    throw e;
  }
}

/**
 * Off the aircraft's loopback, cabin state needs a session (http.readAccess,
 * docs/security.md): a page nobody has logged in on gets 401s for it, and
 * shows the login instead of the cabin.
 */
async function gated<T>(p: Promise<T>, fallback: T, locked: { yes: boolean }): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) {
      locked.yes = true;
      return fallback;
    }
    throw e;
  }
}

/** What a missing or refused command history reads as. */
const NO_COMMANDS: CommandHistory = { commands: [], next: null };

export async function loadSnapshot(): Promise<Snapshot> {
  const sent = Date.now();
  const locked = { yes: false };
  // The standing orders by name: a message sent behind a hundred other commands is still on its screens.
  const standing = Promise.all(STANDING_COMMANDS.map((cmd) => gated(optional(api.get<CommandHistory>(`/api/v1/commands?limit=200&cmd=${encodeURIComponent(cmd)}`), NO_COMMANDS), NO_COMMANDS, locked)));
  const [layout, seats, alerts, commands, pa, settings, session, entities, byName] = await Promise.all([
    api.get<Layout>('/api/v1/layout'),
    gated(api.get<SeatList>('/api/v1/seats'), { total: 0, online: 0, matched: 0, seats: [] }, locked),
    gated(api.get<AlertList>('/api/v1/alerts'), { now: Date.now(), alerts: [] }, locked),
    gated(optional(api.get<CommandHistory>('/api/v1/commands?limit=100'), NO_COMMANDS), NO_COMMANDS, locked),
    gated(optional(api.get<Partial<PaStatus>>('/api/v1/pa'), {}), {}, locked),
    api.get<PanelSettings>('/api/v1/panel'),
    api.get<SessionInfo>('/api/v1/session'),
    gated(api.get<EntityList>('/api/v1/entities'), { now: Date.now(), entities: [] }, locked),
    standing,
  ]);
  const clockOffsetMs = alerts.now - (sent + Date.now()) / 2;
  return { layout, seats: seats.seats, alerts: alerts.alerts, commands: commands.commands, standing: byName.flatMap((b) => b.commands), pa: pa.active ?? null, manualPa: pa.manual ?? [], cabinPaGroup: settings.cabinPaGroup, session, clockOffsetMs, entities: entities.entities, locked: locked.yes };
}

function toAction(frame: LiveFrame): Action | undefined {
  switch (frame.event) {
    case 'seat':
      return { type: 'seat', seat: frame.data };
    case 'cabin':
      return { type: 'cabin', event: frame.data };
    case 'live': {
      // Live-only events the page acts on; any other type is for other views.
      const ev = frame.data;
      if (ev.type === 'command.progress') return { type: 'delivery', command: ev.status };
      if (ev.type === 'alert.changed') return { type: 'alert', change: ev.change };
      return undefined;
    }
    case 'entity':
      return { type: 'entity', change: frame.data };
    default:
      return undefined;
  }
}

const SNAPSHOT_RETRY_MS = 2000;

/**
 * Keeps the store in step with the controller for the life of the page: on
 * every (re)connect, frames are held while the full state loads, then applied
 * in order on top of it. Nothing in between is lost, and since every frame is
 * a full seat state or an idempotent change, one the snapshot already has
 * changes nothing.
 */
export function startSync(store: Store, onAlertOpened: (a: Alert) => void): void {
  let held: Action[] | null = null;
  let generation = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const resync = async (gen: number) => {
    try {
      const snapshot = await loadSnapshot();
      if (gen !== generation) return;
      store.dispatch({ type: 'snapshot', snapshot });
      for (const a of held ?? []) store.dispatch(a);
      held = null;
      store.dispatch({ type: 'conn', conn: 'live' });
    } catch {
      if (gen === generation) retry = setTimeout(() => void resync(gen), SNAPSHOT_RETRY_MS);
    }
  };

  connectLive({
    open() {
      clearTimeout(retry);
      held = [];
      void resync(++generation);
    },
    frame(frame) {
      const a = toAction(frame);
      if (!a) return;
      if (held) held.push(a);
      else store.dispatch(a);
      if (a.type === 'alert' && a.change.op === 'open' && !held) onAlertOpened(a.change.alert);
    },
    down() {
      generation++;
      clearTimeout(retry);
      held = null;
      store.dispatch({ type: 'conn', conn: store.state.layout ? 'reconnecting' : 'connecting' });
      // The stream is refused to a page without a session where cabin state needs one: load what is public, to show the login.
      if (!store.state.layout) void loadSnapshot().then((snapshot) => snapshot.locked && store.dispatch({ type: 'snapshot', snapshot }), () => undefined);
    },
  });
}
