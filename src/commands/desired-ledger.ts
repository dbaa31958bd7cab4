import { PA_SOURCES, type CommandBody, type PaSource } from '../../protocols/seat-command/types.js';
import { PA_PRIORITY, initialSeatDesired, type SeatDesired } from './desired.js';

/** One level-triggered setting a command holds until another command changes it. */
export type DesiredField = 'locked' | 'volumeCap' | 'message' | 'channel' | `pa.${PaSource}`;

const FIELDS: readonly DesiredField[] = ['locked', 'volumeCap', 'message', 'channel', ...PA_SOURCES.map((s) => `pa.${s}` as const)];

/** The last command that set a field: its seq orders it against other scopes, `until` is a channel's expiry (wall ms). */
export interface FieldEntry {
  seq: number;
  value: unknown;
  until?: number;
}

/** `all`, `zone:J` or `seat:12A`: the scopes a target names. */
type Scope = string;

/** The fields a command sets, with their values; none for one-shot commands (reboot, pause, firmware, content). */
function fieldsOf(c: CommandBody): [DesiredField, unknown, number?][] {
  switch (c.cmd) {
    case 'pa.begin':
      return [[`pa.${c.args.source}`, c.args.group]];
    case 'pa.end':
      return [[`pa.${c.args.source}`, null]];
    case 'seat.lock':
      return [['locked', true]];
    case 'seat.unlock':
      return [['locked', false]];
    case 'volume.cap':
      return [['volumeCap', c.args.max]];
    case 'channel.tune':
      return [['channel', { channel: c.args.channel, group: c.args.group }, c.expiresAt]];
    case 'safety.play':
      return [['channel', { channel: c.args.channel, group: c.args.group, safety: true }, c.expiresAt]];
    case 'message.show':
      return [['message', { text: c.args.text, level: c.args.level }]];
    case 'message.clear':
      return [['message', null]];
    default:
      return [];
  }
}

function scopesOf(c: CommandBody): Scope[] {
  const t = c.target;
  if ('all' in t) return ['all'];
  if ('zones' in t) return t.zones.map((z) => `zone:${z}`);
  return t.seats.map((s) => `seat:${s}`);
}

/**
 * Desired state as the last command per (scope, field), independent of the
 * layout: what a fold of the whole log gives, in a size bounded by the
 * cabin's seats and zones, not by history. A seat's state is, field by
 * field, the newest entry among `all`, its zone and itself; this equals
 * folding every command in seq order (applyToDesired) because each field is
 * set by its own commands only. This is what the snapshot stores.
 */
export class DesiredLedger {
  readonly #scopes = new Map<Scope, Map<DesiredField, FieldEntry>>();
  /** The highest seq folded in. */
  seq = 0;

  apply(c: CommandBody): void {
    if (c.seq > this.seq) this.seq = c.seq;
    const fields = fieldsOf(c);
    if (fields.length === 0) return;
    for (const scope of scopesOf(c)) {
      let m = this.#scopes.get(scope);
      if (!m) this.#scopes.set(scope, (m = new Map()));
      for (const [field, value, until] of fields) m.set(field, until === undefined ? { seq: c.seq, value } : { seq: c.seq, value, until });
    }
  }

  /** The seat's desired state, as applyToDesired over the whole log would give it (channelUntil in wall ms). */
  seatDesired(seat: string, zone: string): SeatDesired {
    const s = initialSeatDesired();
    const layers = [this.#scopes.get('all'), this.#scopes.get(`zone:${zone}`), this.#scopes.get(`seat:${seat}`)];
    for (const field of FIELDS) {
      let best: FieldEntry | undefined;
      for (const l of layers) {
        const e = l?.get(field);
        if (e && (!best || e.seq > best.seq)) best = e;
      }
      if (!best) continue;
      if (field === 'channel') {
        s.desired.channel = best.value as SeatDesired['desired']['channel'];
        s.channelUntil = best.until ?? 0;
      } else if (field.startsWith('pa.')) {
        if (best.value !== null) s.pa[field.slice(3) as PaSource] = best.value as string;
      } else {
        (s.desired as unknown as Record<string, unknown>)[field] = best.value;
      }
    }
    s.desired.paOverride = null;
    for (const source of PA_PRIORITY) {
      const group = s.pa[source];
      if (group) {
        s.desired.paOverride = { source, group };
        break;
      }
    }
    return s;
  }

  /** Serialised for the snapshot table: plain JSON, stable field order. */
  toJSON(): SnapshotJson {
    const scopes: SnapshotJson['scopes'] = [];
    for (const [scope, m] of this.#scopes) scopes.push([scope, [...m].map(([f, e]) => [f, e])]);
    return { v: 1, seq: this.seq, scopes };
  }

  /** Reads a snapshot back; throws SnapshotError on anything but what toJSON wrote. */
  static fromJSON(raw: unknown): DesiredLedger {
    const fail = (why: string): never => {
      throw new SnapshotError(`command snapshot is unreadable: ${why}`);
    };
    if (!isObj(raw) || raw.v !== 1) fail('unknown version');
    const r = raw as Record<string, unknown>;
    if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) fail('bad seq');
    if (!Array.isArray(r.scopes)) fail('no scopes');
    const ledger = new DesiredLedger();
    ledger.seq = r.seq as number;
    for (const item of r.scopes as unknown[]) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !/^(all|zone:.+|seat:.+)$/.test(item[0]) || !Array.isArray(item[1])) fail('bad scope');
      const m = new Map<DesiredField, FieldEntry>();
      for (const fe of (item as [string, unknown[]])[1]) {
        if (!Array.isArray(fe) || !FIELDS.includes(fe[0] as DesiredField) || !isObj(fe[1])) fail('bad field');
        const e = (fe as [DesiredField, Record<string, unknown>])[1];
        if (!Number.isSafeInteger(e.seq) || !('value' in e) || (e.until !== undefined && !Number.isFinite(e.until))) fail('bad entry');
        m.set((fe as [DesiredField])[0], e.until === undefined ? { seq: e.seq as number, value: e.value } : { seq: e.seq as number, value: e.value, until: e.until as number });
      }
      ledger.#scopes.set((item as [string])[0], m);
    }
    return ledger;
  }
}

export interface SnapshotJson {
  v: 1;
  seq: number;
  scopes: [string, [DesiredField, FieldEntry][]][];
}

export class SnapshotError extends Error {}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
