import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { eventText, type StoredEventRow } from '../event-text.js';
import { bySeverity } from '../fault-text.js';
import { ControllerClientError, getJson } from '../http-client.js';
import { controllerUrl, intOption, parseOptions } from '../options.js';
import { closeSeats, normalSeatId, orList } from '../seat-suggest.js';
import { ago, renderTable } from '../table.js';
import { lasting } from '../time-text.js';
import type { FaultSeverity } from '../../../protocols/seat-poll/types.js';

/** What GET /api/v1/seats/:seat answers (the parts shown here). */
interface SeatDetail {
  seat: {
    seat: string;
    zone: string;
    status: string;
    lastPollAt: number | null;
    lru: { serial: string; model: string; firmware: string; mac: string } | null;
    bootId: string | null;
    ackCmd: number;
    uptimeMs: number;
    skewMs: number | null;
    media: { state: string; item?: string | null; positionMs?: number; volume?: number } | null;
    inputs: Record<string, { on: boolean; since: number }>;
    faults: { code: string; severity: FaultSeverity; since: number; source: string; detail?: string }[];
    update: { state: string; version?: string; progress?: number; error?: string } | null;
  };
  events: StoredEventRow[];
  lruHistory: { serial: string; seat: string; action: string; at: number }[];
}

interface CommandRow {
  seq: number;
  cmd: string;
  target: { all?: true; zones?: string[]; seats?: string[] };
  at: number;
  issuer: string;
  state: string;
  pending: string[];
}

/** Commands looked through for the ones that reached this seat: the cabin's newest, as the log lists them. */
const COMMANDS_LOOKED_AT = 200;

export const command: CliCommand = {
  name: 'seat',
  summary: 'show one seat in detail: its unit, LRU history, recent events and commands',
  help: `Usage: purser seat SEAT [--controller URL] [--events N] [--json]

One seat of a running controller: its state (online, media, attendant call,
faults with severity), its unit (LRU serial, model, firmware, boot), the
units installed and removed there, its recent events (calls, faults,
reboots, ...) and the recent commands that targeted it, each with whether
the seat acknowledged it. Times read "3 s ago".

  SEAT              e.g. 12A (case and spaces do not matter)
  --controller URL  default $PURSER_URL or http://127.0.0.1:8080
  --events N        recent events to show, 1-50 (default 20)
  --json            print the API's JSON instead`,
  async run(args) {
    const { values, positionals } = parseOptions(args, { controller: { type: 'string' }, events: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'which seat? e.g. purser seat 12A' : `one seat at a time, not ${positionals.length}`);
    const eventLimit = intOption(values.events, 'events', 1, 50) ?? 20;
    const base = controllerUrl(values.controller);
    const id = normalSeatId(positionals[0]!);
    if (id === '' || id.length > 16) throw new UsageError(`"${positionals[0]}" is not a seat id such as 12A`, false);

    let detail: SeatDetail;
    try {
      detail = await getJson<SeatDetail>(base, `/api/v1/seats/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e instanceof ControllerClientError && e.status === 404 && e.code === 'UNKNOWN_SEAT') throw new UsageError(await unknownSeat(base, positionals[0]!), false);
      throw e;
    }
    // The commands API may be missing (a controller without seat commands): the seat is still shown.
    const commands = await getJson<{ commands: CommandRow[] }>(base, `/api/v1/commands?limit=${COMMANDS_LOOKED_AT}`).then(
      (r) => r.commands,
      (e: Error) => e,
    );
    if (values.json) {
      console.log(JSON.stringify({ ...detail, commands: commands instanceof Error ? null : commands.filter((c) => targetsSeat(c, detail.seat)) }, null, 2));
      return 0;
    }
    console.log(render(detail, commands, eventLimit, Date.now()));
    return 0;
  },
};

/** The error for a seat not in the layout, with the seats it may have meant. */
async function unknownSeat(base: string, asked: string): Promise<string> {
  const all = await getJson<{ seats: { seat: string }[] }>(base, '/api/v1/seats').then(
    (r) => r.seats.map((s) => s.seat),
    () => [] as string[],
  );
  const near = closeSeats(asked, all);
  return `no seat "${asked}" in this cabin's layout${near.length ? `; did you mean ${orList(near)}?` : all.length ? ` (seats ${all[0]} to ${all.at(-1)})` : ''}`;
}

function targetsSeat(c: CommandRow, seat: { seat: string; zone: string }): boolean {
  return c.target.all === true || (c.target.zones?.includes(seat.zone) ?? false) || (c.target.seats?.includes(seat.seat) ?? false);
}

function render(d: SeatDetail, commands: CommandRow[] | Error, eventLimit: number, now: number): string {
  const s = d.seat;
  const out: string[] = [];
  out.push(`Seat ${s.seat}, zone ${s.zone}: ${s.status.toUpperCase()}, last poll ${ago(s.lastPollAt, now)}`);
  const field = (name: string, text: string) => out.push(`  ${name.padEnd(9)} ${text}`);
  field('unit', s.lru ? `${s.lru.serial} (${s.lru.model}), firmware ${s.lru.firmware}, MAC ${s.lru.mac}` : 'none seen');
  if (s.bootId) field('boot', `${s.bootId}, up ${lasting(s.uptimeMs)} at the last poll`);
  if (s.media) {
    const m = s.media;
    field('media', `${m.state}${m.item ? ` ${m.item}` : ''}${m.positionMs !== undefined ? ` at ${clock(m.positionMs)}` : ''}${m.volume !== undefined ? `, volume ${m.volume}` : ''}`);
  }
  const call = s.inputs.call;
  field('call', call?.on ? `ON for ${lasting(now - call.since)}` : call ? `off (last change ${ago(call.since, now)})` : 'never reported');
  const others = Object.entries(s.inputs).filter(([name]) => name !== 'call');
  if (others.length) field('inputs', others.map(([name, i]) => `${name} ${i.on ? 'on' : 'off'} (${ago(i.since, now)})`).join(', '));
  const faults = [...s.faults].sort(bySeverity).map((f) => `${f.code} (${f.severity}) for ${lasting(now - f.since)}${f.source === 'controller' ? ', from the controller' : ''}${f.detail ? `: ${f.detail}` : ''}`);
  field('faults', faults.join('; ') || 'none');
  if (s.update) field('update', `${s.update.state}${s.update.version ? ` ${s.update.version}` : ''}${s.update.progress !== undefined && s.update.state === 'downloading' ? ` ${Math.round(s.update.progress * 100)} %` : ''}${s.update.error ? `: ${s.update.error}` : ''}`);
  if (s.skewMs !== null) field('clock', Math.abs(s.skewMs) < 1000 ? 'in line with the controller' : `${lasting(Math.abs(s.skewMs))} ${s.skewMs > 0 ? 'ahead of' : 'behind'} the controller`);
  field('commands', s.ackCmd > 0 ? `acknowledged up to seq ${s.ackCmd}` : 'none acknowledged');

  out.push('', 'LRU history (oldest first)');
  out.push(d.lruHistory.length ? renderTable(['WHEN', 'ACTION', 'SERIAL'], d.lruHistory.map((h) => [ago(h.at, now), h.action, h.serial])) : '  no unit seen at this seat yet');

  // By when each happened: a call is dated back to its press, so it may be stored after later events.
  const events = [...d.events].sort((a, b) => b.at - a.at || b.id - a.id).slice(0, eventLimit);
  out.push('', `Recent events (newest first${d.events.length > eventLimit ? `, ${eventLimit} of ${d.events.length}` : ''})`);
  out.push(events.length ? renderTable(['WHEN', 'EVENT'], events.map((e) => [ago(e.at, now), eventText(e)])) : '  none recorded');

  out.push('', `Recent commands for this seat (newest first, of the cabin's last ${COMMANDS_LOOKED_AT})`);
  if (commands instanceof Error) out.push(`  not available: ${commands.message}`);
  else {
    const mine = commands.filter((c) => targetsSeat(c, s)).slice(0, 20);
    out.push(mine.length ? renderTable(['SEQ', 'SENT', 'COMMAND', 'BY', 'AT THIS SEAT'], mine.map((c) => [String(c.seq), ago(c.at, now), c.cmd, c.issuer, hereText(c, s.seat)])) : '  none');
  }
  return out.join('\n');
}

/** Whether this seat acknowledged the command, in words. */
function hereText(c: CommandRow, seat: string): string {
  if (!c.pending.includes(seat)) return 'delivered';
  return c.state === 'expired' ? 'never acknowledged (expired)' : 'not acknowledged yet';
}

/** A media position as "1:02:03" or "4:05". */
function clock(ms: number): string {
  const t = Math.floor(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

