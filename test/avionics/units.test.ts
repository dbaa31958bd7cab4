import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeParameter, encodeByKey, encodeWord, labelTable, type DecodedParameter } from '../../protocols/arinc429/index.js';
import { ClockCheck } from '../../src/avionics/clock-check.js';
import { DiscreteBank } from '../../src/avionics/discretes.js';
import { FlightInfoFolder } from '../../src/avionics/flight-info.js';
import { initialPhaseState, nextPhase } from '../../src/avionics/flight-phase.js';
import { gate } from '../../src/avionics/gating.js';

const table = labelTable();
const param = (raw: number): DecodedParameter => {
  const r = decodeParameter(raw, table);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.parameter;
};
const discreteWord = (label: number, data: number, sdi = 0): DecodedParameter => param(encodeWord({ label, sdi, data, ssm: 0 }));

describe('discretes', () => {
  const bank = (): DiscreteBank =>
    new DiscreteBank(
      [
        { name: 'doorOpen', source: { kind: 'label', label: 0o271, bit: 13, sdi: 1 }, debounceMs: 200, staleMs: 1000 },
        { name: 'dcPowerFail', source: { kind: 'line', line: 'DSR' }, activeLow: true, debounceMs: 0, staleMs: 5000, flap: { maxEdges: 3, windowMs: 1000 } },
      ],
      0,
    );

  it('reads a bit of a discrete word after its debounce, from its SDI only', () => {
    const b = bank();
    b.applyParameter(discreteWord(0o271, 1 << 2, 1), 0); // bit 13 = data bit 2
    assert.equal(b.evaluate(100).find((d) => d.name === 'doorOpen')!.value, 'unknown', 'not believed before the debounce');
    assert.equal(b.evaluate(200).find((d) => d.name === 'doorOpen')!.value, 'on');
    b.applyParameter(discreteWord(0o271, 0, 2), 250); // another source: ignored
    b.applyParameter(discreteWord(0o271, 1 << 2, 1), 300);
    assert.equal(b.evaluate(400).find((d) => d.name === 'doorOpen')!.value, 'on');
    // A 100 ms glitch is filtered out.
    b.applyParameter(discreteWord(0o271, 0, 1), 500);
    b.applyParameter(discreteWord(0o271, 1 << 2, 1), 600);
    assert.equal(b.evaluate(650).find((d) => d.name === 'doorOpen')!.value, 'on');
    // Stale after 1 s without a word.
    const s = b.evaluate(1700).find((d) => d.name === 'doorOpen')!;
    assert.deepEqual([s.value, s.fault], ['unknown', 'stale']);
  });

  it('honours polarity and raises a flapping fault, which clears when the line calms', () => {
    const b = bank();
    b.applyLine('DSR', false, 0); // active low: low = power failed
    assert.equal(b.evaluate(0).find((d) => d.name === 'dcPowerFail')!.value, 'on');
    for (let t = 100; t <= 500; t += 100) b.applyLine('DSR', t % 200 === 0, t);
    const f = b.evaluate(500).find((d) => d.name === 'dcPowerFail')!;
    assert.deepEqual([f.value, f.fault], ['unknown', 'flapping']);
    b.applyLine('DSR', true, 1600);
    const ok = b.evaluate(1600).find((d) => d.name === 'dcPowerFail')!;
    assert.deepEqual([ok.value, ok.fault], ['off', null]);
  });

  it('refuses a bit outside the data field and a name twice', () => {
    assert.throws(() => new DiscreteBank([{ name: 'x', source: { kind: 'label', label: 0o270, bit: 9 }, debounceMs: 0, staleMs: 1 }], 0), /data bit/);
    const c = { name: 'x', source: { kind: 'line' as const, line: 'CTS' }, debounceMs: 0, staleMs: 1 };
    assert.throws(() => new DiscreteBank([c, c], 0), /twice/);
  });
});

describe('flight info', () => {
  it('keeps each value with its age and drops it past its staleness limit', () => {
    const f = new FlightInfoFolder({ staleAirTempC: 1000 } as never);
    f.apply(param(encodeByKey(table, 'pressureAltitudeFt', 35_000)), 0);
    f.apply(param(encodeByKey(table, 'latitudeDeg', -33.9461)), 0);
    f.apply(param(encodeByKey(table, 'longitudeDeg', 151.1772)), 500);
    f.apply(param(encodeByKey(table, 'staticAirTempC', -56.5)), 0);
    f.apply(param(encodeByKey(table, 'date', 251224)), 0);
    let s = f.snapshot(1500);
    assert.equal(s.pressureAltitudeFt?.value, 35_000);
    assert.equal(s.pressureAltitudeFt?.ageMs, 1500);
    assert.ok(Math.abs(s.latitudeDeg!.value - -33.9461) < 0.0002);
    assert.equal(s.longitudeDeg?.ageMs, 1000);
    assert.equal(s.staticAirTempC?.value, -56.5);
    assert.deepEqual(s.date?.value, { day: 25, month: 12, year: 2024 });
    s = f.snapshot(2100);
    assert.equal(s.pressureAltitudeFt, undefined, 'altitude older than 2 s is gone');
    assert.ok(s.longitudeDeg, 'longitude is younger');
  });

  it('assembles the flight number from 233-236, and only while all its pieces are fresh', () => {
    const f = new FlightInfoFolder();
    ['QF', '00', '1', ''].forEach((piece, i) => f.apply(param(encodeByKey(table, `flightNumber${i + 1}` as 'flightNumber1', piece)), i * 100));
    assert.deepEqual(f.snapshot(1000).flightNumber, { value: 'QF001', ageMs: 1000 });
    assert.equal(f.snapshot(31_000).flightNumber, undefined);
  });
});

describe('clock check', () => {
  it('reports skew against avionics UTC and date, and jumps of either clock', () => {
    const c = new ClockCheck({ maxSkewMs: 30_000, jumpMs: 30_000 });
    const wall = Date.UTC(2024, 11, 25, 12, 34, 30);
    const r = c.observe(12 * 60 + 34.5, { day: 25, month: 12, year: 2024 }, 0, wall);
    assert.equal(r.skewMs, 0);
    assert.ok(r.skewOk && r.dated && r.jumps.length === 0);
    // The head-end clock is set back an hour between two checks 10 s apart.
    const r2 = c.observe(12 * 60 + 34.7, { day: 25, month: 12, year: 2024 }, 10_000, wall + 10_000 - 3_600_000);
    assert.equal(r2.skewOk, false);
    assert.deepEqual(r2.jumps.map((j) => j.clock), ['wall']);
    assert.ok(Math.abs(r2.skewMs - -3_600_000) <= 12_000);
  });

  it('without a date, takes the nearest day across midnight', () => {
    const c = new ClockCheck();
    const wall = Date.UTC(2024, 11, 26, 0, 0, 30); // just after midnight by the head-end
    const r = c.observe(23 * 60 + 59.9, null, 0, wall); // 23:59.9 by the avionics: yesterday
    assert.equal(r.dated, false);
    assert.equal(r.skewMs, 36_000);
  });
});

describe('gating', () => {
  it('allows a rollout at the gate and refuses it at cruise with a readable reason', () => {
    let s = initialPhaseState(0);
    for (let t = 0; t <= 5000; t += 1000) s = nextPhase(s, { now: t, altitudeFt: 100, groundSpeedKt: 0, altitudeRateFpm: 0, weightOnWheels: 'on' });
    assert.equal(s.phase, 'gate');
    assert.deepEqual(gate('rollout', s), { allowed: true });
    assert.deepEqual(gate('ground-download', s), { allowed: true });

    let a = initialPhaseState(0);
    for (let t = 0; t <= 70_000; t += 1000) a = nextPhase(a, { now: t, altitudeFt: 35_000, groundSpeedKt: 450, altitudeRateFpm: 0, weightOnWheels: 'off' });
    assert.equal(a.phase, 'cruise');
    assert.deepEqual(gate('rollout', a), {
      allowed: false,
      reason: 'a firmware rollout is allowed only at the gate: the aircraft is in cruise (weight off wheels, 35,000 ft, 450 kt)',
    });
    const d = gate('ground-download', a);
    assert.ok(!d.allowed && d.reason.startsWith('a ground download is allowed only at the gate or taxiing in: the aircraft is in cruise'));
  });
});
