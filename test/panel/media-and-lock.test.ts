import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasRole, roleForCommand, type Principal } from '../../src/auth/principal.js';
import { activeMessage, commandText } from '../../src/panel/web/commands-text.js';
import { KEEP_STANDING, withStanding } from '../../src/panel/web/standing.js';
import { initialState, KEEP_COMMANDS, reduce, type Action } from '../../src/panel/web/state.js';
import { lockChoice, lockText, mediaCounts, mediaText, seatLocked } from '../../src/panel/web/target-state.js';
import type { CommandName } from '../../protocols/seat-command/types.js';
import type { CommandStatus, Media, SeatSummary, Target } from '../../src/panel/web/wire.js';

const seat = (id: string, media: Media | null, zone = 'Y'): SeatSummary => ({
  seat: id,
  zone,
  status: 'online',
  lastPollAt: 1,
  serial: null,
  model: null,
  firmware: null,
  media,
  call: false,
  callSince: null,
  faults: [],
  faultDetails: [],
  update: null,
  updateProgress: null,
  skewMs: 0,
});
const seats = (entries: [string, Media | null][]) => new Map(entries.map(([id, m]) => [id, seat(id, m)]));
const cmd = (seq: number, c: CommandName, target: Target, args: Record<string, unknown> = {}): CommandStatus => ({
  seq,
  cmd: c,
  args,
  target,
  at: 0,
  expiresAt: 0,
  issuer: 'panel:crew',
  state: 'delivered',
  targeted: 1,
  acked: 1,
  pending: [],
  offline: [],
});

describe('pause and resume all media', () => {
  it('is a crew command, and a read-only principal may not send it', () => {
    const as = (role: Principal['role']): Principal => ({ role, name: role, via: 'session' });
    for (const c of ['media.pause', 'media.resume']) {
      for (const target of [{ all: true }, { zones: ['J'] }, { seats: ['1A'] }]) {
        assert.equal(roleForCommand(c, target), 'crew', `${c} to ${JSON.stringify(target)}`);
        assert.equal(hasRole(as('crew'), roleForCommand(c, target)), true);
        assert.equal(hasRole(as('readonly'), roleForCommand(c, target)), false);
      }
    }
  });

  it('shows in "Sent to seats" in crew words', () => {
    assert.equal(commandText({ cmd: 'media.pause', args: {} }), 'Pause all media');
    assert.equal(commandText({ cmd: 'media.resume', args: {} }), 'Resume media');
  });

  it('says how many screens play and how many are paused', () => {
    const c = mediaCounts(['1A', '1B', '1C', '1D', '9Z'], seats([['1A', 'playing'], ['1B', 'paused'], ['1C', 'playing'], ['1D', 'pa']]));
    assert.deepEqual(c, { playing: 2, paused: 1 });
    assert.equal(mediaText(c), '2 screens playing · 1 paused');
    assert.equal(mediaText({ playing: 1, paused: 0 }), '1 screen playing · 0 paused');
  });
});

describe('the Lock dialog offers what applies', () => {
  const ids = ['1A', '1B', '1C'];
  it('Lock when none is locked, Unlock when all are, both when mixed, saying how many', () => {
    const none = lockChoice(ids, seats([['1A', 'playing'], ['1B', 'idle'], ['1C', 'paused']]), []);
    assert.deepEqual(none, { total: 3, locked: 0, offer: 'lock' });
    assert.equal(lockText(none), 'None of the 3 seats is locked.');
    const all = lockChoice(ids, seats([['1A', 'locked'], ['1B', 'locked'], ['1C', 'locked']]), []);
    assert.deepEqual(all, { total: 3, locked: 3, offer: 'unlock' });
    assert.equal(lockText(all), 'All 3 seats are locked.');
    const mixed = lockChoice(ids, seats([['1A', 'locked'], ['1B', 'playing'], ['1C', 'idle']]), []);
    assert.deepEqual(mixed, { total: 3, locked: 1, offer: 'both' });
    assert.equal(lockText(mixed), '1 of 3 seats is locked.');
    assert.equal(lockText({ total: 300, locked: 30, offer: 'both' }), '30 of 300 seats are locked.');
    assert.equal(lockText(lockChoice(['1A'], seats([['1A', 'locked']]), [])), 'This seat is locked.');
  });

  it('counts a seat locked under a PA or the safety video by the newest lock that reached it', () => {
    const s = seats([['1A', 'pa'], ['1B', 'safety'], ['1C', 'playing']]);
    assert.equal(lockChoice(ids, s, []).locked, 0, 'no lock sent: not locked');
    const locks = [cmd(1, 'seat.lock', { zones: ['Y'] }), cmd(2, 'seat.unlock', { seats: ['1B'] })];
    assert.equal(seatLocked('1A', s.get('1A'), locks), true);
    assert.equal(seatLocked('1B', s.get('1B'), locks), false, 'unlocked since');
    assert.equal(seatLocked('1C', s.get('1C'), locks), false, 'a seat that says it plays is not locked, whatever was sent');
    assert.deepEqual(lockChoice(ids, s, locks), { total: 3, locked: 1, offer: 'both' });
  });
});

describe('the standing orders (messages and locks, however old)', () => {
  it('keeps an active message on the Screen line behind more commands than the page keeps', () => {
    const message = cmd(1, 'message.show', { zones: ['Y'] }, { text: 'Meal service', level: 'info' });
    const actions: Action[] = [{ type: 'delivery', command: message }];
    for (let i = 0; i < KEEP_COMMANDS + 10; i++) actions.push({ type: 'delivery', command: cmd(2 + i, i % 2 ? 'media.pause' : 'media.resume', { all: true }) });
    const s = actions.reduce(reduce, initialState);
    assert.equal(s.commands.has(1), false, 'the message fell off the recent list');
    assert.equal(activeMessage(s.commands.values(), '2A', 'Y'), null, 'the recent list alone would omit it');
    assert.deepEqual(activeMessage([...s.commands.values(), ...s.standing.values()], '2A', 'Y'), { text: 'Meal service', level: 'info' });
  });

  it('loads them with the snapshot, and a newer one for the same target replaces the older', () => {
    const show = cmd(5, 'message.show', { all: true }, { text: 'Landing soon', level: 'warn' });
    const older = cmd(3, 'message.show', { all: true }, { text: 'old', level: 'info' });
    const layout = { zones: ['Y'], zoneNames: {}, columns: ['A'], rows: [{ row: 1, zone: 'Y', places: ['A'] }], seats: 1, pollIntervalMs: 1000 };
    const snap = { layout, seats: [], alerts: [], commands: [], standing: [show, older], pa: null, manualPa: [], cabinPaGroup: null, session: { session: null, roles: { crew: true, technician: true } }, clockOffsetMs: 0, entities: [] };
    const s = reduce(initialState, { type: 'snapshot', snapshot: snap });
    assert.equal(s.standing.size, 1);
    assert.deepEqual(activeMessage(s.standing.values(), '1A', 'Y'), { text: 'Landing soon', level: 'warn' });
    assert.equal(withStanding(s.standing, cmd(9, 'media.pause', { all: true })), s.standing, 'a one-shot command is no standing order');
  });

  it('property: the standing orders give each seat the same message and lock as every command ever sent, in any order of arrival', () => {
    const target = fc.oneof(
      fc.constant<Target>({ all: true }),
      fc.constantFrom('J', 'Y').map((z): Target => ({ zones: [z] })),
      fc.subarray(['1A', '1B', '2A'], { minLength: 1 }).map((s): Target => ({ seats: s })),
    );
    const command = fc.record({ c: fc.constantFrom('message.show', 'message.clear', 'seat.lock', 'seat.unlock', 'media.pause'), target, text: fc.string({ maxLength: 5 }) });
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), fc.func(fc.integer()), (list, key) => {
        const all = list.map((x, i) => cmd(i + 1, x.c, x.target, { text: x.text, level: 'info' }));
        const arrival = [...all].sort((a, b) => key(a.seq) - key(b.seq));
        let standing: ReadonlyMap<string, CommandStatus> = new Map();
        for (const c of arrival) standing = withStanding(standing, c);
        assert.ok(standing.size <= KEEP_STANDING);
        for (const [id, zone] of [['1A', 'J'], ['1B', 'J'], ['2A', 'Y']] as const) {
          assert.deepEqual(activeMessage(standing.values(), id, zone), activeMessage(all, id, zone));
          const s = seat(id, 'pa', zone);
          assert.equal(seatLocked(id, s, [...standing.values()]), seatLocked(id, s, all));
        }
      }),
    );
  });
});
