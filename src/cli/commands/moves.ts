import type { CliCommand } from '../command.js';
import { ControllerClientError, getJson, postAction } from '../http-client.js';
import { controllerUrl, parseOptions } from '../options.js';
import { closeSeats, normalSeatId, orList } from '../seat-suggest.js';
import { didYouMean } from '../suggest.js';
import { ago, renderTable } from '../table.js';
import { lasting } from '../time-text.js';
import { resolveToken } from '../token.js';

/** A claim as the moves API answers it (src/cabin/moves.ts). */
interface Move {
  seat: string;
  serial: string;
  holder: string | null;
  fromSeat: string | null;
  reason: 'seat-held' | 'installed-elsewhere';
  firstAt: number;
  lastAt: number;
  decision: { kind: 'confirmed' | 'rejected'; by: string; at: number } | null;
  /** Wall ms a decision holds until (0 while waiting). */
  decidedUntil: number;
}

/** As GET /api/v1/moves lists it: with a decision's end, or when a waiting claim is forgotten. */
interface ListedMove extends Move {
  expiresAt: number;
}

const VERBS = ['list', 'confirm', 'reject'];

export const command: CliCommand = {
  name: 'moves',
  summary: 'list LRU moves held for a technician; confirm or reject one',
  help: `Usage: purser moves [list]                    the held moves
       purser moves confirm SEAT [--serial S]   the claiming unit is really fitted there
       purser moves reject SEAT [--serial S]    it is not: refuse its polls from SEAT

A unit polling from a seat another unit holds (heard within cabin.moveHoldMs),
or from a seat while installed at another seat that is online, changes no
seat: its claim is held until a technician decides (docs/protocol.md, "LRU
moves"). The list shows each claim: the seat, the claiming unit and where it
is installed, the seat's own unit, since when, when it expires and any
decision. Confirm: the unit's next poll from SEAT installs it. Reject: its
polls from SEAT are refused (409 MOVE_REJECTED). A decision holds for
cabin.moveDecisionTtlMs (10 min by default); an unrepeated claim is forgotten
as long after its last poll.

  SEAT              e.g. 40A (case and spaces do not matter)
  --serial S        the claiming unit, when more than one unit claims SEAT
  --controller URL  default $PURSER_URL or http://127.0.0.1:8080
  --token T         API bearer token (technician); default $PURSER_TOKEN or
                    api.token in --state-dir
  --state-dir DIR   where the local controller keeps api.token
  --json            print the API's JSON instead

Exit status: 0 done, 1 refused or unreachable (no such claim), 2 bad usage
(unknown seat, several claims and no --serial, no token).`,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      { serial: { type: 'string' }, controller: { type: 'string' }, token: { type: 'string' }, 'state-dir': { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    const [verb = 'list', ...rest] = positionals;
    const base = controllerUrl(values.controller);
    const token = await resolveToken(values.token, values['state-dir']);
    // Reads need the token too when the controller's http.readAccess is session.
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    try {
      if (!VERBS.includes(verb)) {
        const near = didYouMean(verb, VERBS);
        if (near) return fail(2, `unknown subcommand "${verb}": did you mean \`purser moves ${near}\`?`);
        return fail(2, /^\d/.test(verb) ? `say confirm or reject, e.g. \`purser moves confirm ${normalSeatId(verb)}\`` : `unknown subcommand "${verb}": say list, confirm or reject`);
      }
      if (verb === 'list') {
        if (rest.length) return fail(2, 'list takes no seat; to decide one: `purser moves confirm SEAT` or `purser moves reject SEAT`');
        if (values.serial !== undefined) return fail(2, '--serial goes with confirm or reject');
        const { moves } = await getJson<{ moves: ListedMove[] }>(base, '/api/v1/moves', { headers: auth });
        console.log(values.json ? JSON.stringify({ moves }, null, 2) : renderList(moves, Date.now()));
        return 0;
      }
      if (rest.length !== 1) return fail(2, rest.length === 0 ? `which seat? e.g. purser moves ${verb} 40A` : `one seat at a time, not ${rest.length}`);
      if (!token) return fail(2, `no API token: pass --token, set PURSER_TOKEN, or point --state-dir at the controller's state dir (it keeps api.token there)`);
      const seat = normalSeatId(rest[0]!);
      if (seat === '' || seat.length > 16) return fail(2, `"${rest[0]!.slice(0, 40)}" is not a seat id such as 40A`);
      // The API decides by seat and serial: the seat's claims say which unit.
      const { moves } = await getJson<{ moves: ListedMove[] }>(base, '/api/v1/moves', { headers: auth });
      const claims = moves.filter((m) => m.seat === seat);
      if (claims.length === 0) {
        const layout = await getJson<{ seats: { seat: string }[] }>(base, '/api/v1/seats', { headers: auth }).then((r) => r.seats.map((s) => s.seat), () => [] as string[]);
        if (layout.length && !layout.includes(seat)) {
          const near = closeSeats(rest[0]!, layout);
          return fail(2, `no seat "${rest[0]}" in this cabin's layout${near.length ? `; did you mean ${orList(near)}?` : ` (seats ${layout[0]} to ${layout.at(-1)})`}`);
        }
        const held = [...new Set(moves.map((m) => m.seat))];
        return fail(1, `no unit claims seat ${seat}${held.length ? `; moves are held at ${held.join(', ')}` : '; no moves are held'} (see \`purser moves\`)`);
      }
      const claim = pick(claims, values.serial, verb, seat);
      if (typeof claim === 'string') return fail(values.serial === undefined ? 2 : 1, claim);
      const res = await postAction<{ move: Move; decision: string }>(base, `/api/v1/moves/${encodeURIComponent(seat)}/${verb}`, token, { serial: claim.serial });
      console.log(values.json ? JSON.stringify(res, null, 2) : decided(res.move, verb as 'confirm' | 'reject', Date.now()));
      return 0;
    } catch (e) {
      if (!(e instanceof ControllerClientError)) throw e;
      return fail(1, e.message);
    }
  },
};

/** The error is the last line a technician sees. */
function fail(code: number, message: string): number {
  console.error(`purser moves: ${message}`);
  return code;
}

/** The one claim on the seat a decision is about, or why it cannot be told. */
function pick(claims: Move[], serial: string | undefined, verb: string, seat: string): Move | string {
  const serials = claims.map((c) => c.serial);
  if (serial !== undefined) return claims.find((c) => c.serial === serial) ?? `unit ${serial} does not claim seat ${seat}; ${serials.length === 1 ? 'it is claimed by' : 'the units claiming it are'} ${orList(serials)}`;
  if (claims.length === 1) return claims[0]!;
  return `${claims.length} units claim seat ${seat}: ${orList(serials)}; say which with --serial, e.g. \`purser moves ${verb} ${seat} --serial ${serials[0]}\``;
}

function renderList(moves: ListedMove[], now: number): string {
  if (moves.length === 0) return 'no LRU moves are held: every unit polls from the seat it is installed at';
  const rows = moves.map((m) => [
    m.seat,
    m.fromSeat ? `${m.serial} (installed at ${m.fromSeat})` : m.serial,
    m.holder ?? 'none',
    ago(m.firstAt, now),
    m.expiresAt > now ? `in ${lasting(m.expiresAt - now)}` : 'now',
    m.decision ? `${m.decision.kind} by ${m.decision.by}` : 'waiting for a technician',
  ]);
  const out = [renderTable(['SEAT', 'CLAIMING UNIT', 'HOLDING UNIT', 'SINCE', 'EXPIRES', 'STATE'], rows)];
  if (moves.some((m) => m.decision === null)) out.push('', 'Decide with `purser moves confirm SEAT` (the unit is really fitted there) or `purser moves reject SEAT`.');
  return out.join('\n');
}

function decided(m: Move, verb: 'confirm' | 'reject', now: number): string {
  const holds = `for ${lasting(m.decidedUntil - now)}`;
  if (verb === 'confirm') return `seat ${m.seat}: unit ${m.serial} confirmed${m.holder ? ` in place of ${m.holder}` : ''}; its next poll from ${m.seat} installs it (the decision holds ${holds})`;
  return `seat ${m.seat}: unit ${m.serial} rejected; its polls from ${m.seat} are refused (MOVE_REJECTED) ${holds}${m.holder ? `; the seat keeps unit ${m.holder}` : ''}`;
}
