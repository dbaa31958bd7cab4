import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import {
  initialReceiverState,
  onMulticast,
  onPollResponse,
  POLL_COMMAND_LIMIT,
  type ReceiverState,
  type ReceiverStep,
} from '../../../protocols/seat-command/receiver-state.js';
import { targets } from '../../../protocols/seat-command/target.js';
import type { CommandBody, Target } from '../../../protocols/seat-command/types.js';
import { body } from './fixtures.js';

const seat = { id: '12A', zone: 'Y' };
const FOREVER = 2 ** 40;

/** What the controller answers a poll with: commands for this seat, unexpired, above ackCmd, oldest first. */
function pollResponse(issued: readonly CommandBody[], ackCmd: number, now: number): CommandBody[] {
  return issued.filter((c) => c.seq > ackCmd && c.expiresAt >= now && targets(c.target, seat)).slice(0, POLL_COMMAND_LIMIT);
}

type Event =
  | { at: number; kind: 'issue'; command: CommandBody }
  | { at: number; kind: 'datagram'; command: CommandBody }
  | { at: number; kind: 'poll'; rtt: number };

const commandSpec = fc.record({
  target: fc.constantFrom<Target>({ all: true }, { zones: ['Y'] }, { zones: ['J'] }, { seats: ['12A'] }, { seats: ['3C'] }),
  gap: fc.nat(40),
  ttl: fc.oneof(fc.constant(FOREVER), fc.nat(300)),
  // A copy is lost, or arrives after a delay that may reorder it; sometimes all three are lost.
  copies: fc.oneof(
    { arbitrary: fc.constant([]), weight: 1 },
    { arbitrary: fc.array(fc.option(fc.nat(250), { freq: 2 }), { minLength: 3, maxLength: 3 }), weight: 5 },
  ),
});

it('over lossy, reordered multicast and racing polls, applies each command for the seat once, in order, and loses none', () => {
  fc.assert(
    fc.property(
      fc.array(commandSpec, { minLength: 1, maxLength: 160, size: 'max' }),
      fc.array(fc.record({ at: fc.nat(7000), rtt: fc.nat(300) }), { maxLength: 15, size: 'max' }),
      (specs, polls) => {
        const events: Event[] = [];
        let t = 0;
        specs.forEach((s, i) => {
          t += s.gap;
          const command = body('media.pause', { seq: i + 1, at: t, expiresAt: t + s.ttl, target: s.target });
          events.push({ at: t, kind: 'issue', command });
          for (const delay of s.copies) if (delay !== null) events.push({ at: t + delay, kind: 'datagram', command });
        });
        for (const p of polls) events.push({ at: p.at, kind: 'poll', rtt: p.rtt });
        // Ties: a command is issued before its copies are sent; stable sort keeps that order.
        events.sort((a, b) => a.at - b.at);

        let state: ReceiverState = initialReceiverState();
        const issued: CommandBody[] = [];
        const applied: number[] = [];
        const absorb = (step: ReceiverStep, now: number) => {
          for (const c of step.apply) {
            assert.ok(targets(c.target, seat), `seq ${c.seq} is not for this seat`);
            assert.ok(c.expiresAt >= now, `seq ${c.seq} applied after it expired`);
            applied.push(c.seq);
          }
          state = step.state;
        };
        // Responses travel while later events happen; each is built when its poll arrives.
        const inFlight: { at: number; listed: CommandBody[]; heard: number }[] = [];
        const deliverUpTo = (now: number) => {
          inFlight.sort((a, b) => a.at - b.at);
          while (inFlight.length && inFlight[0]!.at <= now) {
            const r = inFlight.shift()!;
            absorb(onPollResponse(state, r.listed, r.heard, seat, r.at), r.at);
          }
        };
        for (const e of events) {
          deliverUpTo(e.at);
          if (e.kind === 'issue') issued.push(e.command);
          else if (e.kind === 'datagram') absorb(onMulticast(state, e.command, seat, e.at), e.at);
          else inFlight.push({ at: e.at + e.rtt, listed: pollResponse(issued, state.ackCmd, e.at), heard: state.heard });
        }
        deliverUpTo(Infinity);
        // Quiet cabin: keep polling until the controller has nothing more to send.
        const end = t + 1;
        for (;;) {
          const listed = pollResponse(issued, state.ackCmd, end);
          absorb(onPollResponse(state, listed, state.heard, seat, end), end);
          if (listed.length < POLL_COMMAND_LIMIT) break;
        }

        assert.deepEqual(applied, [...new Set(applied)].sort((a, b) => a - b), 'applied out of order or twice');
        const lastingForSeat = issued.filter((c) => c.expiresAt === c.at + FOREVER && targets(c.target, seat)).map((c) => c.seq);
        for (const seq of lastingForSeat) assert.ok(applied.includes(seq), `seq ${seq} was never applied`);
        assert.ok(state.ackCmd >= Math.max(0, ...lastingForSeat), 'ackCmd lags behind what was applied');
      },
    ),
    { numRuns: 300 },
  );
});
