import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, test } from 'node:test';
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { RtpMulticastReceiver, type RtpAudioDatagram } from '../../../protocols/rtp/multicast-receiver.js';
import { encodeRtp } from '../../../protocols/rtp/packet.js';

const sender = dgram.createSocket('udp4');
await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
sender.setMulticastInterface('127.0.0.1');
after(() => sender.close());

const warnings: object[] = [];
const log = { warn: (obj: object) => void warnings.push(obj) };

function receiver(group: string, port = 0): RtpMulticastReceiver {
  return new RtpMulticastReceiver({ source: 'cabin', group, port, interfaceAddress: '127.0.0.1', l16PayloadTypes: new Set([96, 97]), log });
}

function send(bytes: Uint8Array, group: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => sender.send(bytes, port, group, (err) => (err ? reject(err) : resolve())));
}

function next(r: RtpMulticastReceiver, n: number): Promise<RtpAudioDatagram[]> {
  return firstValueFrom(r.datagrams$.pipe(take(n), toArray(), timeout(5_000)));
}

const loud = encodeRtp({ payloadType: 96, sequence: 1, timestamp: 0, ssrc: 42 }, Buffer.alloc(1920, 0x40));

test('a packet sent to the group on loopback arrives with its source, level and arrival time', async () => {
  const r = receiver('239.255.20.11');
  await r.open();
  try {
    const got = next(r, 1);
    const before = performance.now();
    await send(loud, '239.255.20.11', r.port);
    const [d] = await got;
    assert.equal(d!.source, 'cabin');
    assert.ok(d!.result.ok);
    assert.ok(Math.abs(d!.result.levelDbfs - -6) < 0.1); // every sample 0x4040: half scale
    assert.ok(d!.receivedAt >= before);
    assert.equal(r.counters().ssrcs[0]!.packets, 1);
  } finally {
    await r.close();
  }
});

test('two groups on the same port stay apart', async () => {
  const cabin = receiver('239.255.20.12');
  await cabin.open();
  const flightdeck = receiver('239.255.20.13', cabin.port);
  await flightdeck.open();
  try {
    const gotCabin = next(cabin, 1);
    await send(encodeRtp({ payloadType: 96, sequence: 1, timestamp: 0, ssrc: 1 }, new Uint8Array(4)), '239.255.20.13', cabin.port);
    await send(encodeRtp({ payloadType: 96, sequence: 1, timestamp: 0, ssrc: 2 }, new Uint8Array(4)), '239.255.20.12', cabin.port);
    const [d] = await gotCabin;
    assert.ok(d!.result.ok);
    assert.equal(d!.result.packet.ssrc, 2);
    assert.equal(cabin.counters().datagrams, 1);
  } finally {
    await cabin.close();
    await flightdeck.close();
  }
});

test('bad datagrams are counted by reason, logged, and do not stop the good ones', async () => {
  const r = receiver('239.255.20.14');
  await r.open();
  try {
    const got = next(r, 4);
    warnings.length = 0;
    await send(Buffer.from('not rtp at all'), '239.255.20.14', r.port);
    await send(Buffer.alloc(5), '239.255.20.14', r.port);
    await send(encodeRtp({ payloadType: 31, sequence: 1, timestamp: 0, ssrc: 3 }, new Uint8Array(4)), '239.255.20.14', r.port);
    await send(loud, '239.255.20.14', r.port);
    const results = (await got).map((d) => (d.result.ok ? 'ok' : d.result.reason));
    assert.deepEqual(results, ['bad-version', 'too-short', 'unknown-payload-type', 'ok']);
    assert.deepEqual(r.counters().bad, { 'bad-version': 1, 'too-short': 1, 'unknown-payload-type': 1 });
    assert.equal(warnings.length, 3);
  } finally {
    await r.close();
  }
});

test('joining on an interface this machine does not have fails open() with the system error', async () => {
  const r = new RtpMulticastReceiver({
    source: 'cabin', group: '239.255.20.15', port: 0, interfaceAddress: '192.0.2.1', l16PayloadTypes: new Set([96]), log,
  });
  await assert.rejects(r.open(), { code: 'ENODEV' });
  await r.close();
});
