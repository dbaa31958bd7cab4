import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandText, failedSeats, isCrewAction, seatsOf } from '../../src/panel/web/commands-text.js';
import type { CommandName } from '../../protocols/seat-command/types.js';
import type { UpdateState } from '../../protocols/seat-poll/types.js';
import type { Layout, SeatSummary } from '../../src/panel/web/wire.js';

const layout: Layout = {
  zones: ['J', 'Y'],
  zoneNames: {},
  columns: ['A', 'B'],
  rows: [
    { row: 1, zone: 'J', places: ['A', 'B'] },
    { row: 2, zone: 'Y', places: ['A', 'B'] },
  ],
  seats: 4,
  pollIntervalMs: 1000,
};
const summary = (seat: string, update: UpdateState | null): SeatSummary => ({ seat, zone: 'Y', status: 'online', lastPollAt: 1, serial: null, model: null, firmware: null, media: 'playing', call: false, callSince: null, faults: [], faultDetails: [], update, updateProgress: null, skewMs: 0 });

describe('"Sent to seats" in crew words', () => {
  it('names technician commands in words, never by their wire names', () => {
    assert.equal(commandText({ cmd: 'firmware.update', args: { version: '2.4.1' } }), 'Firmware update 2.4.1');
    assert.equal(commandText({ cmd: 'safety.play', args: { channel: 'safety' } }), 'Safety video');
    assert.equal(commandText({ cmd: 'content.sync', args: {} }), 'Content update');
    assert.doesNotMatch(commandText({ cmd: 'future.thing' as CommandName, args: {} }), /\./);
  });

  it("keeps the crew's own actions apart from technician, rollout and automatic traffic", () => {
    assert.equal(isCrewAction({ cmd: 'seat.lock', issuer: 'panel:crew' }), true);
    assert.equal(isCrewAction({ cmd: 'firmware.update', issuer: 'rollout:3' }), false);
    assert.equal(isCrewAction({ cmd: 'firmware.update', issuer: 'panel:technician' }), false);
    assert.equal(isCrewAction({ cmd: 'safety.play', issuer: 'token' }), false);
    assert.equal(isCrewAction({ cmd: 'pa.begin', issuer: 'pa-detector' }), false);
  });

  it('shows a firmware update as failed at the seats that failed to install it', () => {
    const seats = new Map([['2A', summary('2A', 'failed')], ['2B', summary('2B', 'idle')]]);
    assert.deepEqual(failedSeats({ cmd: 'firmware.update', target: { zones: ['Y'] }, at: 0 }, seats, layout), ['2A']);
    assert.deepEqual(failedSeats({ cmd: 'seat.lock', target: { zones: ['Y'] }, at: 0 }, seats, layout), [], 'only updates can fail to install');
    assert.deepEqual(seatsOf({ all: true }, layout), ['1A', '1B', '2A', '2B']);
  });
});

describe('the message on a seat screen', () => {
  const cmd = (seq: number, c: string, target: import('../../src/panel/web/wire.js').Target, args: Record<string, unknown> = {}) =>
    ({ seq, cmd: c, args, target, at: 0, expiresAt: 0, issuer: 'panel:crew', state: 'delivered', targeted: 1, acked: 1, pending: [], offline: [] }) as import('../../src/panel/web/wire.js').CommandStatus;
  it('is the newest message command that reached the seat, by seat, zone or cabin; a clear ends it', async () => {
    const { activeMessage } = await import('../../src/panel/web/commands-text.js');
    const list = [cmd(1, 'message.show', { zones: ['Y'] }, { text: 'Meal service', level: 'info' }), cmd(2, 'message.show', { seats: ['1A'] }, { text: 'Other seat', level: 'urgent' })];
    assert.deepEqual(activeMessage(list, '2A', 'Y'), { text: 'Meal service', level: 'info' });
    assert.equal(activeMessage(list, '1B', 'J'), null);
    assert.equal(activeMessage([...list, cmd(3, 'message.clear', { all: true })], '2A', 'Y'), null);
  });
});
