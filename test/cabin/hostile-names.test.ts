import { EventBus } from '../../src/contract/event-bus.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SeatRegistry } from '../../src/cabin/registry.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import type { InputReport, PollRequest } from '../../protocols/seat-poll/types.js';
import { pollBody } from '../helpers/poll.js';

// Input names a seat may legally send (they match the contract's pattern) that are also
// members of Object.prototype, plus __proto__ (refused by the HTTP schema, but the registry
// must not trip over it either if it ever gets that far).
const HOSTILE = ['constructor', 'hasOwnProperty', 'isPrototypeOf', 'toString', 'valueOf', 'propertyIsEnumerable', 'toLocaleString', '__proto__', 'door', 'call'];

function inputsOf(entries: [string, InputReport][]): PollRequest['inputs'] {
  // JSON.parse is how a poll body arrives: it makes "__proto__" an own property.
  const obj: Record<string, InputReport> = JSON.parse('{}');
  for (const [k, v] of entries) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (!Object.hasOwn(obj, 'call')) obj.call = { on: false, sinceMs: 1000 };
  return obj as PollRequest['inputs'];
}

describe('input names that are Object.prototype members', () => {
  it('a seat that starts reporting inputs named "constructor" and "hasOwnProperty" has them applied, without throwing', () => {
    const reg = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus());
    const inputs = inputsOf([['constructor', { on: true, sinceMs: 10 }], ['hasOwnProperty', { on: false, sinceMs: 10 }]]);
    reg.accept(pollBody('12A', { seq: 1 }), { mono: 0, wall: 1_000_000 });
    reg.accept(pollBody('12A', { seq: 2, inputs }), { mono: 1000, wall: 1_001_000 });
    reg.accept(pollBody('12A', { seq: 3, inputs }), { mono: 2000, wall: 1_002_000 });
    const snap = reg.get('12A')!;
    assert.equal(Object.hasOwn(snap.inputs, 'constructor'), true);
    assert.equal(Object.getOwnPropertyDescriptor(snap.inputs, 'constructor')?.value.on, true);
  });

  it('fast-check: any sequence of polls with hostile input names keeps the state equal to the last report', () => {
    const report = fc.record({ on: fc.boolean(), sinceMs: fc.nat({ max: 100_000 }) });
    const poll = fc.uniqueArray(fc.tuple(fc.constantFrom(...HOSTILE), report), { selector: ([k]) => k, maxLength: HOSTILE.length });
    fc.assert(
      fc.property(fc.array(fc.tuple(poll, fc.nat({ max: 5000 }), fc.boolean()), { minLength: 1, maxLength: 12 }), (steps) => {
        const reg = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus());
        const events: CabinEvent[] = [];
        reg.bus.events$.subscribe((e) => events.push(e));
        let mono = 0;
        let seq = 0;
        let callOn: boolean | undefined;
        let restoredOnce = false;
        for (const [entries, gap, restore] of steps) {
          mono += gap + 1;
          const inputs = inputsOf(entries);
          reg.accept(pollBody('12A', { seq: ++seq, inputs }), { mono, wall: 1_000_000 + mono });
          const snap = reg.get('12A')!;
          const names = Object.keys(inputs).sort();
          assert.deepEqual(Object.keys(snap.inputs).sort(), names);
          for (const n of names) {
            assert.equal(Object.hasOwn(snap.inputs, n), true, n);
            assert.equal(Object.getOwnPropertyDescriptor(snap.inputs, n)!.value.on, Object.getOwnPropertyDescriptor(inputs, n)!.value.on, n);
          }
          callOn = inputs.call.on;
          if (restore && !restoredOnce) {
            // Through the store and back: the snapshot is JSON, restored into a fresh registry.
            restoredOnce = true;
            const json = JSON.parse(JSON.stringify(reg.takeDirty()));
            const reg2 = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus());
            reg2.restore(json);
            reg2.accept(pollBody('12A', { seq: ++seq, inputs }), { mono: mono + 1, wall: 1_000_000 + mono + 1 });
            assert.deepEqual(Object.keys(reg2.get('12A')!.inputs).sort(), names);
          }
        }
        const presses = events.filter((e) => e.type === 'call.pressed').length;
        const releases = events.filter((e) => e.type === 'call.released').length;
        assert.ok(presses - releases === (callOn ? 1 : 0), `${presses} presses, ${releases} releases, call ${callOn}`);
      }),
      { numRuns: 300 },
    );
  });
});
