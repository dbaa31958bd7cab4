import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seatLook, seatStates } from '../../src/panel/web/seat-look.js';
import type { SeatSummary } from '../../src/panel/web/wire.js';

const seat = (over: Partial<SeatSummary> = {}): SeatSummary => ({
  seat: '23C',
  zone: 'Y',
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

describe('what a seat looks like on the map', () => {
  it('a call the crew cleared while the light is still on at the seat is shown as such, never as no call', () => {
    const look = seatLook('23C', seat({ call: true, callSince: 5 }), false);
    assert.equal(look.tone, 'answered');
    assert.match(look.label, /call light on/);
    assert.equal(seatLook('23C', seat({ call: true }), true).tone, 'call', 'an open call alert is a call');
    assert.equal(seatLook('23C', seat({ call: false }), false).tone, 'playing', 'light out: back to what it plays');
  });

  it('a call light on a faulty seat still shows the call, with the fault as a badge', () => {
    const look = seatLook('23C', seat({ call: true, faults: ['DISK_SMART'] }), false);
    assert.equal(look.tone, 'answered');
    assert.equal(look.faultBadge, true);
  });

  it('a locked seat with a call counts as a call and as locked, and its label says both', () => {
    const s = seat({ media: 'locked', call: true });
    const look = seatLook('23C', s, true);
    assert.equal(look.tone, 'call');
    assert.deepEqual(seatStates(s, look.tone), ['call', 'locked']);
    assert.match(look.label, /call.*locked/);
    assert.deepEqual(seatStates(seat({ media: 'locked' }), 'locked'), ['locked'], 'a plain locked seat counts once');
  });
});
