import { withStanding } from './standing.js';
import type { Alert, AlertChange, CabinEvent, CommandStatus, Entity, EntityChange, Layout, PaActive, SeatSummary, SessionInfo } from './wire.js';

/** The PA the cabin hears, as far as the page knows: GET /api/v1/pa's `active`, or a pa.started event (which names no group). */
export type PaHeard = Pick<PaActive, 'source' | 'since'>;

export type Conn = 'connecting' | 'live' | 'reconnecting';

/** Everything the page shows, rebuilt from a snapshot on every (re)connect and kept current by live frames. */
export interface PanelState {
  layout: Layout | null;
  seats: ReadonlyMap<string, SeatSummary>;
  alerts: ReadonlyMap<string, Alert>;
  /** Recent commands by seq, for delivery progress. */
  commands: ReadonlyMap<number, CommandStatus>;
  /** The newest message and lock command per target, however old (standing.ts): what is on a screen outlives the recent list. */
  standing: ReadonlyMap<string, CommandStatus>;
  /** PA the controller is playing (flight deck, cabin handset, recording), when it says so. */
  pa: PaHeard | null;
  /** The crew's own cabin PA: the newest cabin pa.begin / pa.end decides. */
  manualPa: { on: boolean; seq: number };
  cabinPaGroup: string | null;
  session: SessionInfo | null;
  conn: Conn;
  /** Controller clock minus ours, so "waiting 3 min" is right on a panel with a wrong clock. */
  clockOffsetMs: number;
  /** The latest cabin events seen live, newest last: a seat's history shows them before the controller has stored them. */
  recent: readonly CabinEvent[];
  /** Every entity but seats (channels, drives, ports, the PA, rollouts, services...), by id: any kind, none named here. */
  entities: ReadonlyMap<string, Entity>;
  /** The controller shows cabin state only after a login (off loopback): the page asks for a PIN. */
  locked: boolean;
}

export interface Snapshot {
  layout: Layout;
  seats: SeatSummary[];
  alerts: Alert[];
  commands: CommandStatus[];
  /** Message and lock commands loaded by name, beyond the recent ones. */
  standing?: CommandStatus[];
  pa: PaHeard | null;
  /** PA sources the controller says the crew turned on by hand. */
  manualPa: string[];
  cabinPaGroup: string | null;
  session: SessionInfo;
  clockOffsetMs: number;
  entities: Entity[];
  locked?: boolean;
}

export type Action =
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'seat'; seat: SeatSummary }
  | { type: 'alert'; change: AlertChange }
  | { type: 'delivery'; command: CommandStatus }
  | { type: 'cabin'; event: CabinEvent }
  | { type: 'entity'; change: EntityChange }
  | { type: 'conn'; conn: Conn }
  | { type: 'session'; session: SessionInfo };

export const KEEP_COMMANDS = 30;

export const initialState: PanelState = {
  layout: null,
  seats: new Map(),
  alerts: new Map(),
  commands: new Map(),
  standing: new Map(),
  pa: null,
  manualPa: { on: false, seq: 0 },
  cabinPaGroup: null,
  session: null,
  conn: 'connecting',
  clockOffsetMs: 0,
  recent: [],
  entities: new Map(),
  locked: false,
};

export const KEEP_RECENT = 500;

/** The issuer of the PA commands the audio detector sends (src/pa/feature.ts PA_DETECTOR_ISSUER). */
const PA_DETECTOR = 'pa-detector';

/** Whether the crew's own cabin PA is on: their pa.begin/pa.end, not the detector's (ending those would cut an announcement). */
function manualPaAfter(m: PanelState['manualPa'], c: CommandStatus): PanelState['manualPa'] {
  if ((c.cmd !== 'pa.begin' && c.cmd !== 'pa.end') || c.args.source !== 'cabin' || c.seq <= m.seq || c.issuer === PA_DETECTOR) return m;
  return { on: c.cmd === 'pa.begin', seq: c.seq };
}

function withCommand(commands: ReadonlyMap<number, CommandStatus>, c: CommandStatus): ReadonlyMap<number, CommandStatus> {
  const next = new Map(commands).set(c.seq, c);
  const seqs = [...next.keys()].sort((a, b) => b - a);
  for (const seq of seqs.slice(KEEP_COMMANDS)) next.delete(seq);
  return next;
}

function cabinEvent(s: PanelState, ev: CabinEvent): PanelState {
  switch (ev.type) {
    case 'pa.started':
      return { ...s, pa: { source: ev.source, since: ev.at } };
    case 'pa.stopped':
      return s.pa?.source === ev.source ? { ...s, pa: null } : s;
    case 'command.delivered':
    case 'command.incomplete': {
      const c = s.commands.get(ev.seq);
      if (!c || c.state === 'delivered') return s;
      const done: CommandStatus =
        ev.type === 'command.delivered'
          ? { ...c, state: 'delivered', acked: c.targeted, pending: [], offline: [], deliveredAt: ev.at }
          : { ...c, state: 'incomplete', pending: ev.pending ?? c.pending, offline: ev.offline ?? c.offline };
      return { ...s, commands: withCommand(s.commands, done) };
    }
    default:
      return s;
  }
}

/** Pure: the page's state after one action. */
export function reduce(s: PanelState, a: Action): PanelState {
  switch (a.type) {
    case 'snapshot': {
      const n = a.snapshot;
      let commands: ReadonlyMap<number, CommandStatus> = new Map();
      let standing: ReadonlyMap<string, CommandStatus> = new Map();
      for (const c of n.standing ?? []) standing = withStanding(standing, c);
      // The newest cabin PA command in the recent list decides; without one, what the controller says.
      let manualPa = { on: n.manualPa.includes('cabin'), seq: 0 };
      for (const c of n.commands) {
        commands = withCommand(commands, c);
        standing = withStanding(standing, c);
        manualPa = manualPaAfter(manualPa, c);
      }
      return {
        ...s,
        layout: n.layout,
        seats: new Map(n.seats.map((x) => [x.seat, x])),
        alerts: new Map(n.alerts.map((x) => [x.id, x])),
        commands,
        standing,
        manualPa,
        pa: n.pa,
        cabinPaGroup: n.cabinPaGroup,
        session: n.session,
        clockOffsetMs: n.clockOffsetMs,
        entities: new Map(n.entities.map((e) => [e.id, e])),
        locked: n.locked === true,
      };
    }
    case 'seat':
      return { ...s, seats: new Map(s.seats).set(a.seat.seat, a.seat) };
    case 'alert': {
      const alerts = new Map(s.alerts);
      if (a.change.op === 'close') alerts.delete(a.change.alert.id);
      else alerts.set(a.change.alert.id, a.change.alert);
      return { ...s, alerts };
    }
    case 'delivery': {
      // Frames can overtake each other; a finished command never goes back to pending.
      const prev = s.commands.get(a.command.seq);
      if (prev && prev.state !== 'pending' && a.command.state === 'pending') return s;
      return { ...s, commands: withCommand(s.commands, a.command), standing: withStanding(s.standing, a.command), manualPa: manualPaAfter(s.manualPa, a.command) };
    }
    case 'cabin': {
      const next = cabinEvent(s, a.event);
      return { ...next, recent: [...next.recent.slice(-(KEEP_RECENT - 1)), a.event] };
    }
    case 'entity': {
      const entities = new Map(s.entities);
      if (a.change.type === 'removed') entities.delete(a.change.id);
      else entities.set(a.change.entity.id, a.change.entity);
      return { ...s, entities };
    }
    case 'conn':
      return s.conn === a.conn ? s : { ...s, conn: a.conn };
    case 'session':
      return { ...s, session: a.session };
  }
}

/** The open call alert per seat: the map shows a call until the crew clears it. */
export function callsBySeat(alerts: ReadonlyMap<string, Alert>): ReadonlyMap<string, Alert> {
  const out = new Map<string, Alert>();
  for (const a of alerts.values()) if (a.kind === 'call') out.set(a.seat, a);
  return out;
}
