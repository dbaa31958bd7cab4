import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { encodeCommand } from '../../../protocols/seat-command/codec.js';
import type { LogSink } from '../../../core/log.js';
import { MulticastCommandReceiver } from '../../../protocols/seat-command/multicast-receiver.js';
import { MulticastCommandSender } from '../../../protocols/seat-command/multicast-sender.js';
import { initialReceiverState, onMulticast, type ReceiverState } from '../../../protocols/seat-command/receiver-state.js';
import type { CommandBody } from '../../../protocols/seat-command/types.js';
import { body, keyPair } from './fixtures.js';

const LOOPBACK = '127.0.0.1';
const { publicKey, privateKey } = keyPair();
const log: LogSink = { info() {}, warn() {} };

/** A group and port of its own, so parallel test files never hear each other. */
function channel() {
  return { group: `239.255.${randomInt(200, 255)}.${randomInt(1, 255)}`, port: randomInt(20_000, 60_000) };
}

function now() {
  return Date.now();
}

function command(fields: Partial<CommandBody> = {}): CommandBody {
  return body('pa.begin', { seq: 1, at: now(), expiresAt: now() + 60_000, ...fields });
}

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function pair(schedule?: number[]) {
  const ch = channel();
  const receiver = new MulticastCommandReceiver({ ...ch, interface: LOOPBACK, publicKey, log });
  const sender = new MulticastCommandSender({ ...ch, interface: LOOPBACK, log, ...(schedule ? { schedule } : {}) });
  running.push(sender, receiver);
  await receiver.start();
  await sender.start();
  return { ...ch, receiver, sender };
}

describe('seat commands over loopback multicast', () => {
  it('delivers three verified copies about 0, 20 and 100 ms apart, applied once', async () => {
    const { receiver, sender } = await pair();
    const c = command({ seq: 7 });
    const arrivals: number[] = [];
    const copies = firstValueFrom(receiver.commands$.pipe(take(3), toArray(), timeout(5000)));
    receiver.commands$.subscribe(() => arrivals.push(performance.now()));
    const sentAt = performance.now();
    sender.send(encodeCommand(c, privateKey));
    const received = await copies;

    assert.deepEqual(received, [c, c, c]);
    const [, second, third] = arrivals.map((t) => t - sentAt);
    assert.ok(second! >= 18, `second copy after ${second} ms`);
    assert.ok(third! >= 95, `third copy after ${third} ms`);
    assert.deepEqual(sender.stats, { datagrams: 1, sends: 3, errors: 0 });

    let state: ReceiverState = initialReceiverState(6);
    const applied = received.flatMap((b) => {
      const step = onMulticast(state, b, { id: '12A', zone: 'Y' }, now());
      state = step.state;
      return step.apply;
    });
    assert.deepEqual(applied, [c]);
    assert.equal(state.ackCmd, 7);
  });

  it('rejects forged and malformed datagrams, counting each kind, and still delivers the genuine one', async () => {
    const { group, port, receiver, sender } = await pair([0]);
    const rejects = firstValueFrom(receiver.rejects$.pipe(take(3), toArray(), timeout(5000)));
    const genuine = firstValueFrom(receiver.commands$.pipe(timeout(5000)));

    const intruder = createSocket('udp4');
    await new Promise<void>((resolve) => intruder.bind({ address: LOOPBACK, port: 0 }, resolve));
    intruder.setMulticastInterface(LOOPBACK);
    const inject = (bytes: Buffer) => new Promise<void>((resolve, reject) => intruder.send(bytes, port, group, (e) => (e ? reject(e) : resolve())));
    await inject(encodeCommand(command({ seq: 99 }), keyPair().privateKey));
    await inject(Buffer.from('IFC1 not a command'));
    await inject(Buffer.alloc(1500));
    intruder.close();
    sender.send(encodeCommand(command({ seq: 3 }), privateKey));

    assert.deepEqual(
      (await rejects).map((r) => r.error.kind),
      ['signature', 'truncated', 'oversized'],
    );
    assert.equal((await genuine).seq, 3);
    assert.deepEqual(receiver.stats, {
      received: 4,
      accepted: 1,
      rejected: { truncated: 1, oversized: 1, magic: 0, signature: 1, json: 0, shape: 0 },
    });
  });

  it('sends no further copies once stopped', async () => {
    const { receiver, sender } = await pair([0, 300]);
    let copies = 0;
    receiver.commands$.subscribe(() => copies++);
    const first = firstValueFrom(receiver.commands$.pipe(timeout(5000)));
    sender.send(encodeCommand(command(), privateKey));
    await first;
    await sender.stop();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(copies, 1);
    assert.throws(() => sender.send(encodeCommand(command(), privateKey)), /not started/);
  });

  it('serves 300 seats from one socket: each seat of the zone applies the command once, no other seat does', async () => {
    const { receiver, sender } = await pair();
    const seats = Array.from({ length: 300 }, (_, i) => {
      const row = Math.floor(i / 6) + 1;
      return { id: `${row}${'ABCDEF'[i % 6]}`, zone: row <= 5 ? 'J' : 'Y', state: initialReceiverState(11), applied: 0 };
    });
    for (const seat of seats) {
      receiver.commands$.subscribe((b) => {
        const step = onMulticast(seat.state, b, seat, now());
        seat.state = step.state;
        seat.applied += step.apply.length;
      });
    }
    const done = firstValueFrom(receiver.commands$.pipe(filter(() => receiver.stats.accepted === 3), timeout(5000)));
    sender.send(encodeCommand(command({ seq: 12, target: { zones: ['J'] } }), privateKey));
    await done;

    assert.equal(receiver.stats.received, 3);
    assert.deepEqual(
      seats.filter((s) => s.applied > 0).map((s) => s.id),
      seats.filter((s) => s.zone === 'J').map((s) => s.id),
    );
    assert.ok(seats.every((s) => s.applied <= 1 && s.state.ackCmd === 12));
  });

  it('fails to start with a clear error on an address this host does not have, and stops cleanly after', async () => {
    const ch = channel();
    const receiver = new MulticastCommandReceiver({ ...ch, interface: '192.0.2.1', publicKey, log });
    const sender = new MulticastCommandSender({ ...ch, interface: '192.0.2.1', log });
    await assert.rejects(receiver.start(), /EADDRNOTAVAIL|addMembership/);
    await assert.rejects(sender.start(), /EADDRNOTAVAIL/);
    await receiver.stop();
    await sender.stop();
  });
});
