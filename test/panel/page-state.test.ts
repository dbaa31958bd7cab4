import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seatLook } from '../../src/panel/web/seat-look.js';
import { initialState, reduce, type Action, type PanelState, type Snapshot } from '../../src/panel/web/state.js';
import type { CommandStatus, SeatSummary } from '../../src/panel/web/wire.js';

const seat = (over: Partial<SeatSummary> = {}): SeatSummary => ({
  seat: '1A',
  zone: 'J',
  status: 'online',
  lastPollAt: 1,
  serial: 'S',
  model: 'gp3',
  firmware: '1',
  media: 'playing',
  call: false,
  callSince: null,
  faults: [],
  faultDetails: [],
  update: 'idle',
  updateProgress: null,
  skewMs: 0,
  ...over,
});

const command = (over: Partial<CommandStatus>): CommandStatus => ({
  seq: 1,
  cmd: 'seat.lock',
  args: {},
  target: { all: true },
  at: 0,
  expiresAt: 1,
  issuer: 'panel:crew',
  state: 'pending',
  targeted: 2,
  acked: 0,
  pending: ['1A', '1B'],
  offline: [],
  ...over,
});

const snapshot = (over: Partial<Snapshot> = {}): Snapshot => ({
  layout: { zones: ['J'], zoneNames: {}, columns: ['A', 'B'], rows: [{ row: 1, zone: 'J', places: ['A', 'B'] }], seats: 2, pollIntervalMs: 1000 },
  seats: [seat()],
  alerts: [],
  commands: [],
  pa: null,
  manualPa: [],
  cabinPaGroup: '239.255.20.1:5004',
  session: { session: null, roles: { crew: true, technician: true } },
  clockOffsetMs: 0,
  entities: [],
  ...over,
});

const run = (actions: Action[], s: PanelState = initialState) => actions.reduce(reduce, s);

describe('what a seat shows', () => {
  it('shows the most pressing state: a call over an offline seat over a fault over what the screen does', () => {
    assert.equal(seatLook('1A', seat({ faults: ['X'], status: 'offline' }), true).tone, 'call');
    assert.equal(seatLook('1A', seat({ faults: ['X'], status: 'offline' }), false).tone, 'offline');
    assert.equal(seatLook('1A', seat({ faults: ['X'], media: 'pa' }), false).tone, 'fault');
    assert.equal(seatLook('1A', seat({ update: 'flashing', media: 'pa' }), false).tone, 'updating');
    assert.equal(seatLook('1A', seat({ update: 'failed', media: 'locked' }), false).tone, 'locked');
    assert.equal(seatLook('1A', undefined, false).tone, 'offline', 'a seat never heard from');
    assert.equal(seatLook('1A', seat({ media: null }), false).tone, 'idle');
  });

  it('keeps a fault visible under a call, and says it all in the label', () => {
    const look = seatLook('12C', seat({ seat: '12C', faults: ['DISK_SMART'] }), true);
    assert.equal(look.faultBadge, true);
    assert.equal(look.label, '12C: call, fault DISK_SMART');
  });
});

describe('page state', () => {
  it('replays frames held during a reload on top of the snapshot, ending at the newest state', () => {
    const s = run([{ type: 'snapshot', snapshot: snapshot() }, { type: 'seat', seat: seat({ media: 'paused' }) }, { type: 'seat', seat: seat({ media: 'pa' }) }]);
    assert.equal(s.seats.get('1A')?.media, 'pa');
  });

  it('never takes a finished delivery back to pending when frames overtake each other', () => {
    const s = run([
      { type: 'delivery', command: command({ state: 'delivered', acked: 2, pending: [] }) },
      { type: 'delivery', command: command({ state: 'pending', acked: 1, pending: ['1B'] }) },
    ]);
    assert.equal(s.commands.get(1)?.state, 'delivered');
    const viaEvent = run([{ type: 'delivery', command: command({}) }, { type: 'cabin', event: { type: 'command.delivered', seat: null, at: 5, seq: 1, cmd: 'seat.reboot', seats: 2, elapsedMs: 5 } }]);
    assert.deepEqual([viaEvent.commands.get(1)?.state, viaEvent.commands.get(1)?.acked], ['delivered', 2]);
  });

  it('knows the crew PA is on from the newest cabin PA command, also after a reload', () => {
    const begin = command({ seq: 7, cmd: 'pa.begin', args: { source: 'cabin', group: 'g' } });
    const end = command({ seq: 8, cmd: 'pa.end', args: { source: 'cabin' } });
    assert.equal(run([{ type: 'delivery', command: begin }]).manualPa.on, true);
    assert.equal(run([{ type: 'delivery', command: end }, { type: 'delivery', command: begin }]).manualPa.on, false, 'an older begin arriving late changes nothing');
    assert.equal(run([{ type: 'snapshot', snapshot: snapshot({ commands: [end, begin] }) }]).manualPa.on, false);
    assert.equal(run([{ type: 'snapshot', snapshot: snapshot({ manualPa: ['cabin'] }) }]).manualPa.on, true, 'no command in the recent list: the controller’s word');
    const flightDeck = command({ seq: 9, cmd: 'pa.begin', args: { source: 'flightdeck', group: 'g' } });
    assert.equal(run([{ type: 'delivery', command: flightDeck }]).manualPa.on, false, 'only the cabin source is the crew’s');
    // The detector's own PA (it heard the cabin handset) is not the crew's: "End cabin PA" would cut the announcement.
    const detected = command({ seq: 10, cmd: 'pa.begin', args: { source: 'cabin', group: 'g' }, issuer: 'pa-detector' });
    assert.equal(run([{ type: 'delivery', command: detected }]).manualPa.on, false);
  });

  it('applies alert changes and tracks PA started and stopped by the controller', () => {
    const alert = { id: 'call-1A-1', kind: 'call' as const, seat: '1A', priority: 'urgent' as const, since: 1, ackedAt: null, ackedBy: null };
    let s = run([{ type: 'alert', change: { op: 'open', alert } }, { type: 'cabin', event: { type: 'pa.started', seat: null, at: 3, source: 'flightdeck' } }]);
    assert.equal(s.alerts.size, 1);
    assert.deepEqual(s.pa, { source: 'flightdeck', since: 3 });
    s = run([{ type: 'alert', change: { op: 'close', alert, reason: 'cleared' } }, { type: 'cabin', event: { type: 'pa.stopped', seat: null, at: 4, source: 'flightdeck' } }], s);
    assert.equal(s.alerts.size, 0);
    assert.equal(s.pa, null);
  });
});
