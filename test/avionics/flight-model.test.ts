import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gate } from '../../src/avionics/gating.js';
import { FlightModel } from '../../src/sim/avionics/flight-model.js';
import { FlightSim } from './sim.js';

/**
 * The simulator's flight (what `purser sim --flight` and the demo fly) read by
 * the controller's real pipeline, one virtual second at a time through encoded
 * words: a technician watching the demo sees every phase of a flight, in order,
 * and the gate refusing rollouts for exactly the airborne part.
 */
describe('the simulated flight, as the controller reads it', () => {
  it('flies PTY to BOG gate to gate through every phase, and a rollout is allowed only while parked at a gate', () => {
    const model = new FlightModel({ returnLeg: false });
    const sim = new FlightSim();
    const allowedIn = new Set<string>();
    const downloadIn = new Set<string>();
    for (let s = 0; s < 4 * 3600 && model.stage !== 'arrived'; s++) {
      model.step(1);
      sim.state = { alt: model.alt, gs: model.gs, wow: model.wow };
      sim.second();
      if (gate('rollout', sim.phase()).allowed) allowedIn.add(sim.phase().phase);
      if (gate('ground-download', sim.phase()).allowed) downloadIn.add(sim.phase().phase);
    }
    assert.equal(model.stage, 'arrived', 'the flight ends at the gate within four hours');
    sim.hold(200, { gs: 0 }); // parked at BOG
    assert.deepEqual(sim.sequence(), ['unknown', 'gate', 'taxi-out', 'takeoff', 'climb', 'cruise', 'descent', 'approach', 'landed', 'taxi-in', 'gate']);
    assert.deepEqual([...allowedIn], ['gate'], 'never while taxiing, never in the air');
    assert.deepEqual([...downloadIn].sort(), ['gate', 'taxi-in'], 'a ground download may start taxiing in');
    assert.equal(sim.phase().onGround, true);
    assert.ok(Math.abs(model.lat - 4.7016) < 0.05 && Math.abs(model.lon + 74.1469) < 0.05, `parked at BOG (${model.lat}, ${model.lon})`);
  });
});
