import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN } from '../helpers/commands.js';
import { startFirmwareController, type FirmwareController } from '../firmware-rollout/controller.js';

const MiB = 2 ** 20;
/** Far more than the socket buffers between client and server hold: a server reading it all would show. */
const BIG = 256 * MiB;
/** What may reach the server before it answers: the first few writes, and what the socket buffers hold. */
const REACHED = 32 * MiB;

let fc: FirmwareController;

before(async () => {
  fc = await startFirmwareController({ firmware: { maxImageBytes: 512 * MiB } });
});
after(async () => {
  await fc?.stop();
});

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; field?: string } };
  /** Bytes the client had handed to its socket when the answer came: at least what the controller read. */
  reached: number;
  /** Whether the controller asked for the body (100 Continue). */
  continued: boolean;
}

/**
 * PUTs `size` zero bytes and resolves with the answer
 * as soon as it comes. With `expect`, the body waits for the controller's 100
 * Continue, as the CLI does; without, it is written at a steady pace (256 KiB
 * every 2 ms) as a client that never waits would.
 */
async function put(path: string, size: number, o: { expect?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
  const chunk = Buffer.alloc(256 * 1024);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Answer>((resolve, reject) => {
      let continued = false;
      let answered = false;
      const headers = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/octet-stream', 'content-length': size, ...(o.expect ? { expect: '100-continue' } : {}), ...o.headers };
      const req = request(`${fc.url}${path}`, { method: 'PUT', headers });
      const send = () => {
        let left = size;
        timer = setInterval(() => {
          if (answered || left <= 0) return clearInterval(timer);
          const n = Math.min(left, chunk.length);
          left -= n;
          req.write(chunk.subarray(0, n));
          if (left === 0) req.end();
        }, 2);
      };
      req.on('continue', () => {
        continued = true;
        send();
      });
      req.on('response', (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body: JSON.parse(text) as never, reached: req.socket?.bytesWritten ?? 0, continued });
          req.destroy();
        });
      });
      // Once the controller hangs up, writing the rest fails: expected after its answer.
      req.on('error', (e) => (answered ? undefined : reject(e)));
      if (!o.expect) send();
    });
  } finally {
    clearInterval(timer);
  }
}

describe('an upload the headers condemn is refused before its body is read', () => {
  it('a bad version from a client that does not wait: 400 naming it, with a small part of 256 MiB sent, and the connection closed', async () => {
    const r = await put('/api/v1/firmware/gp3/2.5%20beta', BIG);
    assert.equal(r.status, 400);
    assert.equal(r.body.error?.code, 'INVALID_FIRMWARE');
    assert.equal(r.body.error?.field, 'version');
    assert.match(r.body.error!.message, /version "2\.5 beta" is not allowed/);
    assert.ok(r.reached < REACHED, `the server was sent ${r.reached} bytes before it refused`);
  });

  it('a client that goes on sending after the refusal is cut off, not read to the end', async () => {
    const sent = await new Promise<number>((resolve) => {
      const req = request(`${fc.url}/api/v1/firmware/gp3/2.5%20beta`, { method: 'PUT', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/octet-stream', 'content-length': BIG } });
      const chunk = Buffer.alloc(256 * 1024);
      let left = BIG;
      // As fast as the socket takes it, answer or not, until the controller hangs up.
      const more = () => {
        while (left > 0 && !req.destroyed) {
          left -= chunk.length;
          if (!req.write(chunk)) return void req.once('drain', more);
        }
      };
      req.on('response', (res) => res.resume());
      req.on('error', () => undefined);
      req.on('close', () => resolve(req.socket?.bytesWritten ?? BIG - left));
      more();
    });
    assert.ok(sent < 2 * REACHED, `${sent} of ${BIG} bytes went up before the controller hung up`);
  });

  it('with Expect: 100-continue, a bad version, a malformed signature, an image over firmware.maxImageBytes, a version already there at another size and a bad token are refused without a byte of the body', async () => {
    const headersOnly = 4096;
    const refused = async (path: string, size: number, status: number, code: string, headers: Record<string, string> = {}) => {
      const r = await put(path, size, { expect: true, headers });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.error?.code, code);
      assert.equal(r.continued, false, 'the body was never asked for');
      assert.ok(r.reached < headersOnly, `${r.reached} bytes reached the server`);
      return r.body.error!;
    };
    await refused('/api/v1/firmware/gp3/2..5', BIG, 400, 'INVALID_FIRMWARE');
    const sig = await refused('/api/v1/firmware/gp3/2.6.0', BIG, 400, 'INVALID_FIRMWARE', { 'x-firmware-signature': 'not-base64!' });
    assert.equal(sig.field, 'signature');
    const large = await refused('/api/v1/firmware/gp3/2.6.0', 600 * MiB, 413, 'IMAGE_TOO_LARGE');
    assert.match(large.message, /629145600 bytes, over firmware\.maxImageBytes \(536870912 bytes\)/);

    assert.equal((await fc.upload('gp3', '2.6.0', Buffer.alloc(1000, 1))).status, 201);
    const again = await refused('/api/v1/firmware/gp3/2.6.0', BIG, 409, 'VERSION_EXISTS');
    assert.match(again.message, /already in the catalog with other content \(1000 bytes, not 268435456\)/);
    await refused('/api/v1/firmware/gp3/2.7.0', BIG, 401, 'UNAUTHORIZED', { authorization: 'Bearer wrong-token-wrong-token' });
  });

  it('a sound upload is asked for, read whole and imported; the listing gives the size limit', async () => {
    const r = await put('/api/v1/firmware/gp3/2.8.0', 3 * MiB, { expect: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.continued, true);
    assert.ok(r.reached >= 3 * MiB);
    const plain = await put('/api/v1/firmware/gp3/2.9.0', 1 * MiB);
    assert.equal(plain.status, 201, 'a client that does not wait is served as before');
    const list = await fc.api<{ images: { version: string; size: number }[]; maxImageBytes: number }>('GET', '/api/v1/firmware');
    assert.deepEqual(list.body.images.map((i) => `${i.version}:${i.size}`).sort(), ['2.6.0:1000', '2.8.0:3145728', '2.9.0:1048576']);
    assert.equal(list.body.maxImageBytes, 512 * MiB);
  });
});
