import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flightLine } from '../../src/panel/web/flight-status.js';

test('the top bar\'s flight line: only what is known, and nothing that means nothing on the ground', () => {
  const flight = { flightNumber: 'CM123', altitudeFt: 35_000, groundSpeedKt: 452, outsideTempC: -54 };
  assert.equal(flightLine({ onGround: false, flight, timeToDestinationMin: 83, destination: 'BOG' }), 'CM123 · 35,000 ft · 452 kt · -54 °C · BOG in 1:23');
  // Parked: no altitude (the field's elevation is not "flying"), no 0 kt.
  assert.equal(flightLine({ onGround: true, flight: { ...flight, altitudeFt: 135, groundSpeedKt: 0, outsideTempC: 28 } }), 'CM123 · 28 °C');
  assert.equal(flightLine({ onGround: false, flight: { flightNumber: null, altitudeFt: null, groundSpeedKt: null, outsideTempC: null }, timeToDestinationMin: 5 }), 'arrival in 0:05');
  assert.equal(flightLine({}), '');
});
