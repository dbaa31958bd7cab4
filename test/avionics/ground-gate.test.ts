import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBinaryFrame, encodeWord } from '../../protocols/arinc429/index.js';
import { PhaseGroundGate } from '../../src/avionics/ground-gate.js';
import { FlightSim } from './sim.js';

/** PhaseGroundGate.check() as the ground link will ask it: the phase, the running feed and the raw weight-on-wheels shortcut. */
describe('PhaseGroundGate.check("ground-download")', () => {
  it('refuses while the feed is not running, allows at the gate, refuses at once on a raw weight-off and in cruise', () => {
    const sim = new FlightSim();
    let running = false;
    const gate = new PhaseGroundGate(sim.pipeline, 'weightOnWheels', () => (running ? null : 'the avionics feed is not running'));
    assert.deepEqual(gate.check('ground-download'), { allowed: false, reason: 'a ground download waits: the avionics feed is not running' });

    running = true;
    sim.hold(30, { alt: 100, gs: 0, wow: true });
    assert.equal(sim.phase().phase, 'gate');
    assert.deepEqual(gate.check('ground-download'), { allowed: true });

    // A "weight off wheels" word off the bus, before any tick has debounced it: the gate closes already.
    sim.bytes.next(encodeBinaryFrame(encodeWord({ label: 0o270, sdi: 0, data: 0, ssm: 0 })));
    assert.equal(sim.phase().onGround, true, 'the phase has not moved yet');
    const raw = gate.check('ground-download');
    assert.equal(raw.allowed, false);
    assert.match((raw as { reason: string }).reason, /^a ground download waits: weight on wheels just went off/);

    sim.hold(5, { wow: true });
    assert.deepEqual(gate.check('ground-download'), { allowed: true });
    sim.flyToCruise();
    assert.equal(sim.phase().phase, 'cruise');
    const air = gate.check('ground-download');
    assert.equal(air.allowed, false);
    assert.match((air as { reason: string }).reason, /^a ground download is allowed only at the gate or taxiing in: the aircraft is in cruise/);
  });
});
