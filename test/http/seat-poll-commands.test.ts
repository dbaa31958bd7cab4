import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { postCommand, startCommandController } from '../helpers/commands.js';
import type { TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';

describe('poll answers carry real commands intact', () => {
  let tc: TestController;
  before(async () => {
    tc = await startCommandController();
  });
  after(() => tc.stop());

  it('every field and arg of each command survives serialization, equal to what the command book holds', async () => {
    const issued = [
      { target: { seats: ['9A'] }, cmd: 'message.show', args: { text: 'Meal service begins — "chicken" or pasta?\nThank you', level: 'info' } },
      { target: { zones: ['Y'] }, cmd: 'channel.tune', args: { channel: 'news-fr', group: '239.255.30.7:5004' } },
      { target: { seats: ['9A', '9B'] }, cmd: 'firmware.update', args: { model: 'gp3', version: '2.5.0', url: 'tftp://10.0.0.1/gp3-2.5.0.img', size: 16_777_216, sha256: 'ab'.repeat(32), signature: `${'A'.repeat(86)}==` } },
    ];
    const seqs: number[] = [];
    for (const c of issued) {
      const r = await postCommand(tc.url, c);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      seqs.push(r.body.command!.seq);
    }
    const { status, body } = await postPoll(tc.url, pollBody('9A', { ackCmd: 0 }));
    assert.equal(status, 200);
    const carried = body.commands as CommandBody[];
    assert.deepEqual(carried.map((c) => c.seq), seqs);
    for (const [i, c] of carried.entries()) assert.deepEqual(c.args, issued[i]!.args, `${c.cmd} args`);

    const { layout } = tc.controller.ctx;
    const responder = tc.controller.ctx.need('pollResponder');
    const expected = responder.respond(layout.byId.get('9A')!, 0, Date.now());
    assert.deepEqual(carried, JSON.parse(JSON.stringify(expected.commands)), 'the same values as JSON.stringify of what the book answers');
    assert.deepEqual(body.desired, JSON.parse(JSON.stringify(expected.desired)));
    assert.equal(body.desired.channel?.channel, 'news-fr');
    assert.deepEqual(body.desired.message, { text: issued[0]!.args.text, level: 'info' });
  });
});
