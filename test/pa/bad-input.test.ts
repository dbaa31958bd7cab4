import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { encodeRtp } from '../../protocols/rtp/packet.js';
import { PaService, type PaEffect } from '../../src/pa/pa-service.js';

const GROUP = '239.255.20.51';
/** Every sample at half scale (-6 dBFS): loud enough to begin a PA, were it believed. */
const LOUD = Buffer.alloc(960 * 2, 0x40);

function packet(payload: Uint8Array = LOUD, payloadType = 96): Buffer {
  return encodeRtp({ payloadType, sequence: 1, timestamp: 0, ssrc: 5 }, payload);
}

/** A copy with some bytes overwritten: the header lies about the rest. */
function patch(bytes: Buffer, changes: Record<number, number>): Buffer {
  const copy = Buffer.from(bytes);
  for (const [at, value] of Object.entries(changes)) copy[Number(at)] = value;
  return copy;
}

test('bad datagrams on the PA port are counted, logged and ignored: none of them begins a PA', async () => {
  const warnings: Array<{ obj: object; msg: string }> = [];
  const service = new PaService(
    { sources: [{ name: 'cabin', group: GROUP, port: 0 }], interface: '127.0.0.1' },
    { log: { warn: (obj, msg) => void warnings.push({ obj, msg }) } },
  );
  const effects: PaEffect[] = [];
  service.effects$.subscribe((e) => effects.push(e));
  await service.start();
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  sender.setMulticastInterface('127.0.0.1');
  const send = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) => sender.send(bytes, Number(service.groups.get('cabin')!.split(':')[1]), GROUP, (e) => (e ? reject(e) : resolve())));

  try {
    const short = packet(LOUD.subarray(0, 40)); // 12-byte header, 40-byte payload
    const bad: Array<[string, Uint8Array]> = [
      ['garbage', Buffer.from('GET / HTTP/1.1\r\nHost: purser\r\n\r\n'.repeat(20))],
      ['version 1', patch(packet(), { 0: 0x40 })],
      ['version 3', patch(packet(), { 0: 0xc0 })],
      ['truncated header', packet().subarray(0, 7)],
      ['15 CSRCs in a 52-byte packet', patch(short, { 0: 0x8f })],
      ['200 octets of padding in a 40-byte payload', patch(short, { 0: 0xa0, 51: 200 })],
      ['unknown payload type', packet(LOUD, 98)],
      ['L16 cut mid-sample', packet(LOUD.subarray(0, 1001))],
    ];
    for (const [, bytes] of bad) await send(bytes);

    // Datagrams on one socket arrive in order: when this good packet begins the PA, every bad one was seen first.
    const begun = firstValueFrom(service.effects$.pipe(filter((e) => e.type === 'pa.begin'), timeout(10_000)));
    await send(packet());
    await begun;

    assert.deepEqual(effects.map((e) => e.type), ['pa.begin'], 'only the good packet began a PA');
    const counters = service.counters().receivers.cabin!;
    assert.equal(counters.datagrams, bad.length + 1);
    assert.deepEqual(counters.bad, {
      'bad-version': 3,
      'too-short': 1,
      'csrc-overflow': 1,
      'bad-padding': 1,
      'unknown-payload-type': 1,
      'odd-l16-length': 1,
    });
    assert.equal(warnings.length, bad.length);
    assert.equal(service.counters().begins, 1);
  } finally {
    sender.close();
    await service.stop();
  }
});
