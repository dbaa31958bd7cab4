import type { Observable } from 'rxjs';
import { hasRole, roleForCommand, type Principal } from '../auth/principal.js';
import type { SeatSnapshot } from '../cabin/seat-record.js';
import type { Layout } from '../config/layout.js';
import type { Entity } from '../contract/entities.js';
import type { CabinEvent } from '../contract/events.js';
import type { Health } from '../core/service.js';
import type { LruHistoryRow, StoredEvent } from '../store/cabin-store.js';
import { parseOptions, type OptionSpec } from './options.js';
import { SharedRender } from './shared-render.js';
import type { CommandIo, CommandTable, ConsoleUser } from './types.js';
import { ago } from '../core/text.js';

/** What the cabin's shell commands read and drive: the controller's parts, narrowed. */
export interface CabinView {
  layout: Layout;
  registry: { get(seat: string): SeatSnapshot | undefined; all(): SeatSnapshot[]; readonly changes$?: Observable<unknown> };
  store: { recentEvents(o: { seat?: string; limit?: number }): StoredEvent[]; lruHistory(o: { seat?: string }): LruHistoryRow[] };
  bus: { events$: Observable<CabinEvent> };
  entities: { all(kind?: string): Entity[] };
  health(): Record<string, Health>;
  commands?: {
    issue(request: unknown, opts: { issuer: string }): { seq: number; state: string; targeted: number };
    recent(limit?: number): Array<{ seq: number; cmd: string; at: number; issuer: string; state: string; targeted: number; acked: number; pending: string[]; offline: string[] }>;
  };
  /** The principal a console user acts as (ssh:<name>), for the command log. */
  principal(user: ConsoleUser): Principal;
}

const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function usage(io: CommandIo, text: string): number {
  io.err(`${text}\n`);
  return EXIT_USAGE;
}

const pad = (rows: string[][]): string => {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
};

export { ago };

const time = (at: number) => new Date(at).toISOString().slice(11, 23);

/** One event on one line: `12:03:04.120 call.pressed 12A`, its other fields after. */
export function eventLine(e: { type: string; at: number; seat: string | null } & Record<string, unknown>): string {
  const rest = Object.entries(e)
    .filter(([k]) => k !== 'type' && k !== 'at' && k !== 'seat')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time(e.at)} ${e.type}${e.seat ? ` ${e.seat}` : ''}${rest ? ` ${rest.slice(0, 300)}` : ''}`;
}

function seatRow(s: SeatSnapshot, now: number): string[] {
  const call = s.inputs.call?.on ? 'CALL' : '-';
  return [s.seat, s.zone, s.status, s.lru?.serial ?? '-', s.lru?.firmware ?? '-', s.media?.state ?? '-', call, String(s.faults.length), ago(s.lastPollAt, now)];
}

/**
 * How stale a shared `seats` table may be: the LAST POLL column is at most
 * this old, and a seat's visible change (status, unit, call) shows at most
 * SEATS_CHANGE_MS late, however many sessions ask.
 */
export const SEATS_MAX_AGE_MS = 250;
export const SEATS_CHANGE_MS = 50;

/** The `seats` table for one view (all of it, with its summary line): one string, so one channel write. */
function seatsTable(all: SeatSnapshot[], zone: string | undefined, status: string | undefined, call: boolean, now: number): string {
  const seats = all.filter((s) => (zone === undefined || s.zone === zone) && (status === undefined || s.status === status) && (!call || s.inputs.call?.on === true));
  const table = seats.length > 0 ? pad([['SEAT', 'ZONE', 'STATUS', 'UNIT', 'FIRMWARE', 'MEDIA', 'CALL', 'FAULTS', 'LAST POLL'], ...seats.map((s) => seatRow(s, now))]) : '';
  const online = seats.filter((s) => s.status === 'online').length;
  return `${table}${seats.length} of ${all.length} seats, ${online} online\n`;
}

export interface CabinCommandOptions {
  /**
   * The shared `seats` renders (shared-render.ts); one per controller, so
   * every session asking for the same view at about the same moment gets one
   * render. Made here when not given.
   */
  seatsRender?: SharedRender;
}

/** The command shell's cabin commands (docs/console.md): the same for both roles, except `command`. */
export function cabinCommands(v: CabinView, opts: CabinCommandOptions = {}): CommandTable {
  const seatsSpec: OptionSpec = { zone: 'value', status: 'value', call: 'flag' };
  const seatsRender = opts.seatsRender ?? new SharedRender({ maxAgeMs: SEATS_MAX_AGE_MS, minAgeMs: SEATS_CHANGE_MS });
  // A visible change of any seat (registry.changes$) retires the shared tables after SEATS_CHANGE_MS.
  let watching = false;
  const watchChanges = () => {
    if (watching || !v.registry.changes$) return;
    watching = true;
    v.registry.changes$.subscribe({ next: () => seatsRender.changed(), complete: () => seatsRender.changed() });
  };
  return {
    seats: {
      help: 'seats [--zone Z] [--status online|offline] [--call]: the seats, live from the registry\n  --call lists only seats whose call button is on.',
      run(args, io) {
        const o = parseOptions(args, seatsSpec);
        if (!o.ok) return usage(io, `seats: ${o.error}`);
        if (o.positional.length > 0) return usage(io, `seats: unexpected ${o.positional[0]} (did you mean seat ${o.positional[0]}?)`);
        const zone = o.values.get('zone');
        const status = o.values.get('status');
        if (zone !== undefined && !v.layout.zones.includes(zone)) return usage(io, `seats: no zone ${zone}; the zones are ${v.layout.zones.join(', ')}`);
        if (status !== undefined && status !== 'online' && status !== 'offline') return usage(io, 'seats: --status is online or offline');
        const call = o.flags.has('call');
        watchChanges();
        // The view is the filters alone: the table does not depend on the terminal's width.
        io.out(seatsRender.get(`${zone ?? ''}\0${status ?? ''}\0${call}`, () => seatsTable(v.registry.all(), zone, status, call, Date.now())));
        return 0;
      },
    },
    seat: {
      help: 'seat SEAT: one seat in full: its unit, inputs, faults, unit history and recent events',
      run(args, io) {
        const id = args[0];
        if (id === undefined || args.length > 1) return usage(io, 'usage: seat SEAT (e.g. seat 12A)');
        const s = v.registry.get(id) ?? v.registry.get(id.toUpperCase());
        if (!s) return usage(io, `seat: no seat ${id} in this cabin's layout`);
        const now = Date.now();
        const lines = [
          `seat ${s.seat} (zone ${s.zone}): ${s.status}, last poll ${ago(s.lastPollAt, now)}`,
          `  unit      ${s.lru ? `${s.lru.serial} ${s.lru.model} firmware ${s.lru.firmware} mac ${s.lru.mac}` : 'none seen'}`,
          `  boot      ${s.bootId ?? '-'}, uptime ${Math.round(s.uptimeMs / 1000)} s, seq ${s.seq}, acked command ${s.ackCmd}, clock skew ${s.skewMs ?? '-'} ms`,
          `  media     ${s.media ? JSON.stringify(s.media) : '-'}`,
          `  inputs    ${Object.entries(s.inputs).map(([k, i]) => `${k}=${i.on ? 'on' : 'off'} (${ago(i.since, now)})`).join(', ') || '-'}`,
          `  faults    ${s.faults.map((f) => `${f.code} ${f.severity} (${f.source}, ${ago(f.since, now)})`).join(', ') || 'none'}`,
          `  update    ${s.update ? JSON.stringify(s.update) : '-'}`,
        ];
        io.out(`${lines.join('\n')}\n`);
        const history = v.store.lruHistory({ seat: s.seat }).slice(-10);
        io.out(`unit history (${history.length}):\n`);
        for (const h of history) io.out(`  ${new Date(h.at).toISOString()} ${h.action} ${h.serial}\n`);
        const events = v.store.recentEvents({ seat: s.seat, limit: 15 });
        io.out(`recent stored events (${events.length}, newest first):\n`);
        for (const e of events) io.out(`  ${eventLine({ ...e.data, type: e.type, at: e.at, seat: e.seat })}\n`);
        return 0;
      },
    },
    health: {
      help: 'health: every subsystem, ok/degraded/down and why; exits 1 unless all are ok',
      run(_args, io) {
        const h = v.health();
        const names = Object.keys(h).sort();
        io.out(pad([['SERVICE', 'STATE', 'SINCE', 'DETAIL'], ...names.map((n) => [n, h[n]!.state, ago(h[n]!.since), h[n]!.detail ?? ''])]));
        return names.every((n) => h[n]!.state === 'ok') ? 0 : 1;
      },
    },
    entities: {
      help: 'entities [KIND]: what the panel shows in Systems (services, channels, the tunnel, ...)',
      run(args, io) {
        if (args.length > 1) return usage(io, 'usage: entities [KIND]');
        const list = v.entities.all(args[0]);
        if (list.length === 0) {
          io.out(args[0] ? `no entities of kind ${args[0]}; kinds: ${[...new Set(v.entities.all().map((e) => e.kind))].join(', ')}\n` : 'no entities\n');
          return 0;
        }
        io.out(pad([['ID', 'STATE', 'CHANGED', 'ATTRIBUTES'], ...list.map((e) => [e.id, e.state, ago(e.changedAt), JSON.stringify(e.attributes).slice(0, Math.max(40, io.columns - 50))])]));
        return 0;
      },
    },
    events: {
      help: 'events [--follow] [--seat S] [--type T] [--limit N]: recent stored events, or live ones until Ctrl-C',
      run(args, io) {
        const o = parseOptions(args, { follow: 'flag', seat: 'value', type: 'value', limit: 'value' });
        if (!o.ok) return usage(io, `events: ${o.error}`);
        const seat = o.values.get('seat');
        const type = o.values.get('type');
        const match = (e: { type: string; seat: string | null }) => (seat === undefined || e.seat === seat) && (type === undefined || e.type === type || e.type.startsWith(`${type}.`));
        if (!o.flags.has('follow')) {
          const limit = Number(o.values.get('limit') ?? 20);
          if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return usage(io, 'events: --limit is 1 to 1000');
          const rows = v.store.recentEvents({ seat, limit: type ? 1000 : limit }).filter(match).slice(0, limit).reverse();
          for (const e of rows) io.out(`${eventLine({ ...e.data, type: e.type, at: e.at, seat: e.seat })}\n`);
          io.out(`${rows.length} stored events (the last second's may not be written yet; --follow shows them live)\n`);
          return 0;
        }
        if (io.signal.aborted) return EXIT_INTERRUPTED;
        io.out(`following events${seat ? ` of ${seat}` : ''}${type ? ` of type ${type}` : ''}; Ctrl-C stops\n`);
        return new Promise<number>((resolve) => {
          const sub = v.bus.events$.subscribe({
            next: (e) => {
              if (match(e)) io.out(`${eventLine(e as unknown as { type: string; at: number; seat: string | null })}\n`);
            },
            complete: () => {
              io.out('the controller is stopping\n');
              resolve(0);
            },
          });
          io.signal.addEventListener('abort', () => {
            sub.unsubscribe();
            resolve(EXIT_INTERRUPTED);
          }, { once: true });
        });
      },
    },
    commands: {
      help: 'commands [--limit N]: recent seat commands and how far each got',
      run(args, io) {
        if (!v.commands) return (io.err('commands: the command service is not running\n'), 1);
        const o = parseOptions(args, { limit: 'value' });
        if (!o.ok) return usage(io, `commands: ${o.error}`);
        const limit = Number(o.values.get('limit') ?? 20);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) return usage(io, 'commands: --limit is 1 to 500');
        const list = v.commands.recent(limit);
        if (list.length === 0) return (io.out('no commands yet\n'), 0);
        io.out(pad([['SEQ', 'COMMAND', 'WHEN', 'BY', 'STATE', 'ACKED', 'PENDING'], ...list.map((c) => [String(c.seq), c.cmd, ago(c.at), c.issuer, c.state, `${c.acked}/${c.targeted}`, c.pending.slice(0, 8).join(',') + (c.pending.length > 8 ? ',…' : '')])]));
        return 0;
      },
    },
    command: {
      help:
        'command CMD (--all | --zone Z[,Z] | --seats 12A,12B) [--arg key=value]... [--args JSON]: issue a seat command (technician)\n' +
        '  e.g. command message.show --zone J --arg text="Please return to your seats" --arg level=info\n' +
        '  values that parse as JSON (numbers, true) are taken as such; the command log names you as ssh:<key name>.',
      roles: ['technician'],
      run(args, io) {
        if (!v.commands) return (io.err('command: the command service is not running\n'), 1);
        const o = parseOptions(args, { all: 'flag', zone: 'list', seats: 'list', arg: 'list', args: 'value' });
        if (!o.ok) return usage(io, `command: ${o.error}`);
        const [cmd, ...extra] = o.positional;
        if (cmd === undefined || extra.length > 0) return usage(io, 'usage: command CMD (--all | --zone Z | --seats 12A,12B) [--arg key=value]...');
        const chosen = [o.flags.has('all'), o.lists.has('zone'), o.lists.has('seats')].filter(Boolean).length;
        if (chosen !== 1) return usage(io, 'command: give exactly one of --all, --zone, --seats');
        const target = o.flags.has('all') ? { all: true } : o.lists.has('zone') ? { zones: o.lists.get('zone')! } : { seats: o.lists.get('seats')! };
        let cmdArgs: Record<string, unknown> = Object.create(null);
        const json = o.values.get('args');
        if (json !== undefined) {
          try {
            const parsed: unknown = JSON.parse(json);
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return usage(io, 'command: --args must be a JSON object');
            cmdArgs = { ...(parsed as Record<string, unknown>) };
          } catch (e) {
            return usage(io, `command: --args is not JSON: ${(e as Error).message}`);
          }
        }
        // Commas split lists: --arg values are taken whole again from the raw words.
        for (const raw of rawArgValues(args)) {
          const eq = raw.indexOf('=');
          if (eq <= 0) return usage(io, `command: --arg ${raw} is not key=value`);
          const key = raw.slice(0, eq);
          const value = raw.slice(eq + 1);
          let parsed: unknown = value;
          try {
            parsed = JSON.parse(value);
          } catch {
            /* a plain string */
          }
          Object.defineProperty(cmdArgs, key, { value: parsed, enumerable: true, writable: true, configurable: true });
        }
        const principal = v.principal(io.user);
        const needed = roleForCommand(cmd, target);
        if (!hasRole(principal, needed)) return (io.err(`refused: ${cmd} needs the ${needed} role\n`), 126);
        const status = v.commands.issue({ target, cmd, args: { ...cmdArgs } }, { issuer: principal.name });
        io.out(`command ${status.seq} ${cmd} ${status.state}: ${status.targeted} seats targeted (commands shows its progress)\n`);
        return 0;
      },
    },
  };
}

/** The values of `--arg` words, whole (the list parser splits them on commas). */
function rawArgValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '--arg' && args[i + 1] !== undefined) out.push(args[++i]!);
    else if (a.startsWith('--arg=')) out.push(a.slice(6));
  }
  return out;
}
