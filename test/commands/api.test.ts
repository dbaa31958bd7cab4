import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { postCommand, startCommandController } from '../helpers/commands.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import type { TestController } from '../helpers/controller.js';

describe('command API and delivery through polls', () => {
  let tc: TestController;
  before(async () => {
    tc = await startCommandController({ commands: { deliveryTimeoutMs: 1000 } });
  });
  after(() => tc.stop());

  it('requires the bearer token', async () => {
    const r = await postCommand(tc.url, { target: { all: true }, cmd: 'media.pause', args: {} }, null);
    assert.equal(r.status, 401);
    assert.equal(r.body.error?.code, 'UNAUTHORIZED');
    const wrong = await postCommand(tc.url, { target: { all: true }, cmd: 'media.pause', args: {} }, 'not-the-token-at-all-x');
    assert.equal(wrong.status, 401);
  });

  it('refuses unknown commands, bad args and seats or zones outside the layout, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ target: { all: true }, cmd: 'seat.explode', args: {} }, 'cmd'],
      [{ target: { all: true }, cmd: 'volume.cap', args: { max: 11 } }, 'args.max'],
      [{ target: { seats: ['12A', '99Z'] }, cmd: 'seat.lock', args: { reason: 'x' } }, 'target.seats[1]'],
      [{ target: { zones: ['Q'] }, cmd: 'seat.lock', args: { reason: 'x' } }, 'target.zones[0]'],
      [{ target: { all: true }, cmd: 'message.show', args: { text: 'x'.repeat(2000), level: 'info' } }, 'args.text'],
    ];
    for (const [body, field] of cases) {
      const r = await postCommand(tc.url, body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(typeof r.body.error?.message, 'string');
      assert.ok(r.body.error?.field?.startsWith(field.split('[')[0]!), `${r.body.error?.field} for ${field}: ${r.body.error?.message}`);
    }
  });

  it('survives random request bodies with 4xx and the error shape (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (v) => {
        const r = await postCommand(tc.url, v);
        if (r.status === 201) return; // a random value can be a valid command
        assert.ok(r.status >= 400 && r.status < 500, String(r.status));
        assert.equal(typeof r.body.error?.code, 'string');
      }),
      { numRuns: 300 },
    );
  });

  it('a seat that missed every datagram converges on its next poll and acknowledges; delivery shows it', async () => {
    const issued = await postCommand(tc.url, { target: { seats: ['12A', '12B'] }, cmd: 'seat.lock', args: { reason: 'medical' } });
    assert.equal(issued.status, 201);
    const seq = issued.body.command!.seq;
    assert.equal(issued.body.command!.targeted, 2);

    const first = await postPoll(tc.url, pollBody('12A', { ackCmd: 0 }));
    assert.equal(first.body.desired.locked, true);
    const carried = first.body.commands as CommandBody[];
    assert.ok(carried.some((c) => c.seq === seq && c.cmd === 'seat.lock'));
    const other = await postPoll(tc.url, pollBody('30A', { ackCmd: 0 }));
    assert.equal(other.body.desired.locked, false, 'an untargeted seat is not locked');
    assert.ok(!(other.body.commands as CommandBody[]).some((c) => c.seq === seq));

    await postPoll(tc.url, pollBody('12A', { seq: 2, ackCmd: seq }));
    const mid = (await (await fetch(`${tc.url}/api/v1/commands/${seq}`)).json()) as { acked: number; pending: string[]; offline: string[]; state: string };
    assert.deepEqual([mid.acked, mid.pending, mid.offline, mid.state], [1, ['12B'], ['12B'], 'pending']);
    const second = await postPoll(tc.url, pollBody('12A', { seq: 3, ackCmd: seq }));
    assert.ok(!(second.body.commands as CommandBody[]).some((c) => c.seq === seq), 'an acknowledged command is not resent');

    await postPoll(tc.url, pollBody('12B', { ackCmd: seq }));
    const done = (await (await fetch(`${tc.url}/api/v1/commands/${seq}`)).json()) as { state: string; acked: number };
    assert.deepEqual([done.state, done.acked], ['delivered', 2]);
  });

  it('reports a command incomplete with its offline seats after the delivery timeout', async () => {
    const issued = await postCommand(tc.url, { target: { zones: ['J'] }, cmd: 'message.show', args: { text: 'Meal service', level: 'info' } });
    const seq = issued.body.command!.seq;
    await postPoll(tc.url, pollBody('1A', { ackCmd: seq }));
    await new Promise((r) => setTimeout(r, 1600));
    const s = (await (await fetch(`${tc.url}/api/v1/commands/${seq}`)).json()) as { state: string; acked: number; pending: string[]; offline: string[] };
    assert.equal(s.state, 'incomplete');
    assert.equal(s.acked, 1);
    assert.equal(s.pending.length, 29);
    assert.equal(s.offline.length, 29);
    tc.controller.ctx.store.flush([]);
    const ev = tc.controller.ctx.store.recentEvents({ limit: 20 }).find((e) => e.type === 'command.incomplete' && e.data.seq === seq);
    assert.ok(ev, 'a command.incomplete event is in the history');
    const list = (await (await fetch(`${tc.url}/api/v1/commands`)).json()) as { commands: { seq: number }[] };
    assert.equal(list.commands[0]?.seq, seq, 'newest first');
  });
});
