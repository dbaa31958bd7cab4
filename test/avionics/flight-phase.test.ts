import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { gate } from '../../src/avionics/gating.js';
import { initialPhaseState, nextPhase, type PhaseInput } from '../../src/avionics/flight-phase.js';
import { FlightSim } from './sim.js';

describe('flight phase on virtual time, through encoded words', () => {
  it('follows a whole flight, gate to gate', () => {
    const sim = new FlightSim();
    sim.flyToCruise(35_000);
    assert.equal(sim.phase().phase, 'cruise');
    sim.ramp(16 * 60, { alt: 3000, gs: 250 }); // 2,000 ft/min down
    sim.ramp(120, { alt: 100, gs: 140 });
    sim.hold(5, { wow: true, gs: 130 });
    sim.ramp(30, { gs: 20 });
    sim.hold(60, { gs: 10 });
    sim.hold(200, { gs: 0 });
    assert.deepEqual(sim.sequence(), ['unknown', 'gate', 'taxi-out', 'takeoff', 'climb', 'cruise', 'descent', 'approach', 'landed', 'taxi-in', 'gate']);
    const takeoff = sim.phases.find((p) => p.phase === 'takeoff')!;
    assert.equal(takeoff.onGround, true, 'the take-off roll is on the ground');
    assert.equal(sim.phase().onGround, true);
    assert.deepEqual(gate('rollout', sim.phase()), { allowed: true });
    const c = sim.pipeline.counters();
    assert.equal(c.framingErrors, 0, 'frames split mid-chunk are reassembled');
    assert.equal(c.decoded, c.words);
    assert.ok(c.decoded > 7000, `${c.decoded} words`);
  });

  it('stays airborne at cruise when weight on wheels sticks at "on ground", and gating refuses', () => {
    const sim = new FlightSim();
    sim.flyToCruise(35_000);
    sim.hold(120, { wow: true }); // the switch fails closed
    const s = sim.phase();
    assert.equal(s.phase, 'cruise');
    assert.equal(s.onGround, false);
    assert.match(s.reason, /contradicted by ground speed 450 kt/);
    const d = gate('rollout', s);
    assert.equal(d.allowed, false);
    assert.ok(!d.allowed && d.reason.includes('the aircraft is in cruise (weight on wheels, 35,000 ft, 450 kt)'), !d.allowed ? d.reason : '');
  });

  it('reads a slow, low aircraft with stuck weight on wheels as airborne through its climb rate', () => {
    const sim = new FlightSim();
    sim.hold(20, { alt: 100, gs: 0, wow: true });
    sim.hold(60, { gs: 15 });
    sim.ramp(30, { gs: 150 });
    sim.ramp(90, { alt: 3100, gs: 180 }, { wow: true }); // 2,000 ft/min with the switch stuck
    assert.equal(sim.phase().onGround, false);
    assert.match(sim.phase().reason, /vertical rate/);
  });

  it('goes unknown (and stays airborne for gating) when the words stop', () => {
    const sim = new FlightSim();
    sim.flyToCruise(35_000);
    sim.hold(5, { alt: null, gs: null, wow: null });
    const s = sim.phase();
    assert.equal(s.phase, 'unknown');
    assert.equal(s.onGround, false);
    assert.match(s.reason, /stale/);
    const d = gate('tunnel', s);
    assert.ok(!d.allowed && /unknown/.test(d.reason));
    // And back: data returns at cruise -> cruise again after the level dwell.
    sim.hold(90, { alt: 35_000, gs: 450, wow: false });
    assert.equal(sim.phase().phase, 'cruise');
  });

  it('at the gate, a ground speed that goes quiet makes the phase unknown, not a take-off', () => {
    const sim = new FlightSim();
    sim.hold(30, { alt: 100, gs: 0, wow: true });
    assert.equal(sim.phase().phase, 'gate');
    sim.hold(5, { gs: null });
    assert.equal(sim.phase().phase, 'unknown');
    assert.equal(sim.phase().onGround, false);
    assert.equal(gate('ground-download', sim.phase()).allowed, false);
    sim.hold(10, { gs: 0 });
    assert.equal(sim.phase().phase, 'gate');
  });

  it('does not flap between climb and cruise on altitude noise', () => {
    const sim = new FlightSim();
    sim.flyToCruise(35_000);
    const before = sim.phases.length;
    // +-150 ft of noise for 20 minutes, well inside the 1,000 ft cruise band.
    sim.hold(1200, { alt: 35_000 }, (i) => Math.round(Math.sin(i * 1.7) * 150));
    assert.deepEqual(sim.phases.slice(before).map((p) => p.phase).filter((p) => p !== 'cruise'), []);
    // A step climb of 2,000 ft is a climb, then cruise again.
    sim.ramp(60, { alt: 37_000 });
    sim.hold(90, { alt: 37_000 });
    assert.deepEqual(sim.sequence().slice(-3), ['cruise', 'climb', 'cruise']);
  });

  it('treats a flapping weight-on-wheels discrete as unknown', () => {
    const sim = new FlightSim();
    sim.hold(30, { alt: 100, gs: 0, wow: true });
    for (let i = 0; i < 10; i++) sim.hold(1, { wow: i % 2 === 0 });
    const wow = sim.pipeline.discretes$.value.find((d) => d.name === 'weightOnWheels')!;
    assert.equal(wow.fault, 'flapping');
    assert.equal(sim.phase().onGround, false);
  });
});

describe('flight phase machine, any input', () => {
  it('never throws, and never says "on ground" above 15,000 ft or faster than 200 kt', () => {
    const input = fc.record({
      dt: fc.integer({ min: 0, max: 5000 }),
      altitudeFt: fc.option(fc.double({ min: -2000, max: 60_000, noNaN: true }), { nil: null }),
      groundSpeedKt: fc.option(fc.double({ min: 0, max: 700, noNaN: true }), { nil: null }),
      altitudeRateFpm: fc.option(fc.double({ min: -8000, max: 8000, noNaN: true }), { nil: null }),
      weightOnWheels: fc.constantFrom('on' as const, 'off' as const, 'unknown' as const),
    });
    fc.assert(
      fc.property(fc.array(input, { maxLength: 60 }), (steps) => {
        let s = initialPhaseState(0);
        let now = 0;
        for (const st of steps) {
          now += st.dt;
          const i: PhaseInput = { now, altitudeFt: st.altitudeFt, groundSpeedKt: st.groundSpeedKt, altitudeRateFpm: st.altitudeRateFpm, weightOnWheels: st.weightOnWheels };
          s = nextPhase(s, i);
          if (s.onGround) {
            assert.equal(i.weightOnWheels, 'on');
            assert.ok(i.altitudeFt !== null && i.altitudeFt <= 15_000);
            assert.ok(i.groundSpeedKt !== null && i.groundSpeedKt <= 200);
          }
          if (s.phase === 'unknown') assert.equal(s.onGround, false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
