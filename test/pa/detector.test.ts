import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NEVER, VirtualAction, VirtualTimeScheduler, map, merge, timer } from 'rxjs';
import {
  DEFAULT_DETECTOR_CONFIG,
  PA_SOURCES,
  initialDetectorState,
  nextDeadline,
  reduce,
  type DetectorEffect,
  type DetectorEvent,
  type PaSource,
} from '../../src/pa/detector.js';
import { runDetector } from '../../src/pa/run-detector.js';

type Script = Array<[number, DetectorEvent]>;

/** Runs the detector over a script in virtual time; returns each effect with the virtual ms it happened at. */
function simulate(script: Script, config = DEFAULT_DETECTOR_CONFIG): Array<[number, DetectorEffect]> {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const events$ = merge(...script.map(([at, event]) => timer(at, scheduler).pipe(map(() => event))), NEVER);
  const effects: Array<[number, DetectorEffect]> = [];
  const sub = runDetector(events$, config, { now: () => scheduler.now(), scheduler }).subscribe((step) => {
    for (const effect of step.effects) effects.push([step.at, effect]);
  });
  scheduler.flush();
  sub.unsubscribe();
  return effects;
}

/** 20 ms packets from `from` to `to`, optionally dropping or delaying some. */
function talk(source: PaSource, from: number, to: number, opts: { levelDbfs?: number; drop?: (t: number) => boolean; delay?: (t: number) => number } = {}): Script {
  const script: Script = [];
  for (let t = from; t < to; t += 20) {
    if (opts.drop?.(t)) continue;
    script.push([t + (opts.delay?.(t) ?? 0), { type: 'packet', source, levelDbfs: opts.levelDbfs ?? -20 }]);
  }
  return script;
}

const begin = (source: PaSource, previous: PaSource | null = null): DetectorEffect => ({ type: 'pa.begin', source, previous });
const end = (source: PaSource, reason: 'ended' | 'superseded' = 'ended'): DetectorEffect => ({ type: 'pa.end', source, reason });
const keyline = (source: PaSource, on: boolean): DetectorEvent => ({ type: 'keyline', source, on });

test('a single packet with sound begins a PA at once, and it ends a hang-over later', () => {
  assert.deepEqual(simulate([[1000, { type: 'packet', source: 'cabin', levelDbfs: -45 }]]), [
    [1000, begin('cabin')],
    [2500, end('cabin')],
  ]);
});

test('silence and noise under the threshold never begin a PA', () => {
  assert.deepEqual(simulate([...talk('cabin', 0, 5000, { levelDbfs: -120 }), ...talk('flightdeck', 0, 5000, { levelDbfs: -45.5 })]), []);
});

test('a PA ends a hang-over after the last word while silent packets keep coming', () => {
  assert.deepEqual(simulate([...talk('cabin', 0, 3000), ...talk('cabin', 3000, 10_000, { levelDbfs: -70 })]), [
    [0, begin('cabin')],
    [2980 + 1500, end('cabin')],
  ]);
});

test('a PA ends a hang-over after the packets stop mid-word', () => {
  assert.deepEqual(simulate(talk('cabin', 0, 3000)), [
    [0, begin('cabin')],
    [2980 + 1500, end('cabin')],
  ]);
});

test('lost packets, late packets, a network stall and pauses between words, all within the hang-over, keep one PA', () => {
  const script = [
    ...talk('cabin', 0, 4000, { drop: (t) => (t / 20) % 3 === 1, delay: (t) => (t % 100 === 40 ? 60 : 0) }),
    // 1.4 s without a single packet, then the backlog arrives at once.
    ...talk('cabin', 5400, 6000),
    // A pause between sentences: 1.4 s of silent packets.
    ...talk('cabin', 6000, 7400, { levelDbfs: -80 }),
    ...talk('cabin', 7400, 9000),
  ];
  assert.deepEqual(simulate(script), [
    [0, begin('cabin')],
    [8980 + 1500, end('cabin')],
  ]);
});

test('the flight deck takes over a cabin PA and hands it back when it ends', () => {
  assert.deepEqual(simulate([...talk('cabin', 0, 10_000), ...talk('flightdeck', 3000, 6000)]), [
    [0, begin('cabin')],
    [3000, begin('flightdeck', 'cabin')],
    [3000, end('cabin', 'superseded')],
    [5980 + 1500, begin('cabin', 'flightdeck')],
    [5980 + 1500, end('flightdeck')],
    [9980 + 1500, end('cabin')],
  ]);
});

test('a lower-priority source starting during a PA does not move the override', () => {
  assert.deepEqual(simulate([...talk('flightdeck', 0, 5000), ...talk('cabin', 1000, 3000), ...talk('recorded', 2000, 4000)]), [
    [0, begin('flightdeck')],
    [4980 + 1500, end('flightdeck')],
  ]);
});

test('a keyline begins and ends a PA without any audio', () => {
  assert.deepEqual(simulate([[1000, keyline('cabin', true)], [2000, keyline('cabin', true)], [4000, keyline('cabin', false)]]), [
    [1000, begin('cabin')],
    [4000, end('cabin')],
  ]);
});

test('sound still coming after the keyline is released holds the PA for its hang-over', () => {
  assert.deepEqual(simulate([[1000, keyline('cabin', true)], ...talk('cabin', 1000, 5000), [3000, keyline('cabin', false)]]), [
    [1000, begin('cabin')],
    [4980 + 1500, end('cabin')],
  ]);
});

test('a keyline stuck on ends the PA with PA_KEYLINE_STUCK; audio still works; releasing it clears the fault', () => {
  const max = DEFAULT_DETECTOR_CONFIG.maxPaMs;
  const script: Script = [
    [0, keyline('cabin', true)],
    ...talk('cabin', max + 50_000, max + 52_000),
    [max + 100_000, keyline('cabin', false)],
    [max + 200_000, keyline('cabin', true)],
  ];
  assert.deepEqual(simulate(script).slice(0, 6), [
    [0, begin('cabin')],
    [max, { type: 'pa.fault', source: 'cabin', code: 'PA_KEYLINE_STUCK' }],
    [max, end('cabin')],
    [max + 50_000, begin('cabin')],
    [max + 51_980 + 1500, end('cabin')],
    [max + 100_000, { type: 'pa.faultCleared', source: 'cabin', code: 'PA_KEYLINE_STUCK' }],
  ]);
  assert.deepEqual(simulate(script)[6], [max + 200_000, begin('cabin')]);
});

test('sound without a pause for the maximum (an open mic) is a fault, cleared by a hang-over of silence', () => {
  const config = { ...DEFAULT_DETECTOR_CONFIG, maxPaMs: 60_000 };
  assert.deepEqual(simulate(talk('flightdeck', 0, 70_000), config), [
    [0, begin('flightdeck')],
    [60_000, { type: 'pa.fault', source: 'flightdeck', code: 'PA_AUDIO_STUCK' }],
    [60_000, end('flightdeck')],
    [69_980 + 1500, { type: 'pa.faultCleared', source: 'flightdeck', code: 'PA_AUDIO_STUCK' }],
  ]);
});

const anyEvent = fc.oneof(
  fc.record({ type: fc.constant('packet' as const), source: fc.constantFrom(...PA_SOURCES), levelDbfs: fc.double({ min: -120, max: 0, noNaN: true }) }),
  fc.record({ type: fc.constant('keyline' as const), source: fc.constantFrom(...PA_SOURCES), on: fc.boolean() }),
  fc.constant({ type: 'tick' as const }),
);
const timeline = fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), anyEvent), { maxLength: 200 });

test('property: the effects, folded as the controller folds commands, always name exactly the current PA', () => {
  fc.assert(
    fc.property(timeline, (steps) => {
      let state = initialDetectorState();
      let now = 0;
      const begun = new Set<PaSource>(); // pa.begin adds a source, pa.end removes it: what desired.paOverride is built from
      for (const [gap, event] of steps) {
        now += gap;
        const step = reduce(state, event, now);
        state = step.state;
        for (const e of step.effects) {
          if (e.type === 'pa.begin') begun.add(e.source);
          if (e.type === 'pa.end') begun.delete(e.source);
        }
        assert.deepEqual([...begun], state.override ? [state.override.source] : []);
        if (event.type === 'packet' && event.levelDbfs >= -45 && !state.sources[event.source].soundStuck) {
          // Never missed: a packet with sound leaves this source or a higher one on the air.
          assert.ok(PA_SOURCES.indexOf(state.override!.source) <= PA_SOURCES.indexOf(event.source));
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('property: whatever happened, keylines released and a hang-over of quiet end every PA', () => {
  fc.assert(
    fc.property(timeline, (steps) => {
      let state = initialDetectorState();
      let now = 0;
      for (const [gap, event] of steps) state = reduce(state, event, (now += gap)).state;
      for (const source of PA_SOURCES) state = reduce(state, { type: 'keyline', source, on: false }, now).state;
      state = reduce(state, { type: 'tick' }, now + DEFAULT_DETECTOR_CONFIG.hangoverMs).state;
      assert.equal(state.override, null);
      assert.equal(nextDeadline(state), null);
    }),
    { numRuns: 500 },
  );
});
