import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { deriveLruKey, signBody } from '../../protocols/seat-poll/hmac.js';
import { pollBody } from '../helpers/poll.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';

/** POSTs raw bytes, correctly signed for the serial, so only the encoding can refuse them. */
async function postBytes(url: string, raw: Buffer, serial: string) {
  const sig = signBody(deriveLruKey(Buffer.from(TEST_SECRET, 'hex'), serial), raw);
  const res = await fetch(`${url}/seat/v1/poll`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-seat-signature': sig }, body: new Uint8Array(raw) });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

/** A poll for 12A whose media.item holds `bad` (bytes spliced into the JSON string). */
function withItemBytes(seq: number, bad: Buffer): Buffer {
  const text = JSON.stringify(pollBody('12A', { seq, media: { state: 'playing', item: 'MARK', positionMs: 1 } }));
  const [head, tail] = text.split('MARK') as [string, string];
  return Buffer.concat([Buffer.from(head), Buffer.from('film-'), bad, Buffer.from(tail)]);
}

describe('seat poll bodies that are not UTF-8', () => {
  let tc: TestController;
  before(async () => {
    tc = await startTestController();
  });
  after(() => tc.stop());

  it('refuses invalid UTF-8 with 400 BAD_JSON and stores nothing (no U+FFFD in seat state)', async () => {
    const res = await postBytes(tc.url, withItemBytes(1, Buffer.from([0xff, 0xfe])), 'GP3-12A');
    assert.equal(res.status, 400);
    assert.equal(res.body.error?.code, 'BAD_JSON');
    assert.match(res.body.error!.message, /UTF-8/);
    assert.equal(tc.controller.ctx.registry.get('12A')?.lastPollAt, null);
  });

  it('fast-check: a body with any byte sequence in a string is stored exactly as sent if it is UTF-8, refused if not', async () => {
    let seq = 10;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 8 }), async (bytes) => {
        const bad = Buffer.from(bytes);
        // Bytes that JSON would refuse anyway (control characters, quotes, backslashes) are not the point here.
        if (bad.some((b) => b < 0x20 || b === 0x22 || b === 0x5c)) return;
        const res = await postBytes(tc.url, withItemBytes(++seq, bad), 'GP3-12A');
        const valid = Buffer.from(bad.toString('utf8'), 'utf8').equals(bad);
        if (!valid) {
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.equal(res.body.error?.code, 'BAD_JSON');
          assert.ok(!(tc.controller.ctx.registry.get('12A')?.media?.item ?? '').includes('\uFFFD'), 'nothing replaced was stored');
        } else if (res.status === 200) {
          assert.equal(tc.controller.ctx.registry.get('12A')?.media?.item, `film-${bad.toString('utf8')}`);
        } else {
          assert.equal(res.status, 400, 'a valid string may still break the schema (length), never anything else');
        }
      }),
      { numRuns: 300 },
    );
  });
});
