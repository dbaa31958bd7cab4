import { deriveLruKey, signBody } from '../../protocols/seat-poll/hmac.js';
import type { PollRequest, PollResponse } from '../../protocols/seat-poll/types.js';
import { TEST_SECRET } from './controller.js';

/** A valid poll body for a seat; fields can be overridden. */
export function pollBody(seat: string, over: Partial<PollRequest> = {}): PollRequest {
  return {
    seat,
    lru: { serial: `GP3-${seat}`, model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:01:2c' },
    bootId: 'boot-1',
    seq: 1,
    ackCmd: 0,
    uptimeMs: 1000,
    clockAt: Date.now(),
    media: { state: 'idle' },
    inputs: { call: { on: false, sinceMs: 5000 } },
    faults: [],
    update: { state: 'idle' },
    ...over,
  };
}

/** POSTs a poll signed with the LRU's derived key (or a given signature). */
export async function postPoll(url: string, body: PollRequest | string, opts: { secret?: string; signature?: string | null; serial?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const serial = opts.serial ?? (typeof body === 'string' ? 'X' : body.lru.serial);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = opts.signature === undefined ? signBody(deriveLruKey(Buffer.from(opts.secret ?? TEST_SECRET, 'hex'), serial), raw) : opts.signature;
  if (sig !== null) headers['x-seat-signature'] = sig;
  const res = await fetch(`${url}/seat/v1/poll`, { method: 'POST', headers, body: raw });
  const json = (await res.json()) as PollResponse & { error?: { code: string; message: string; field?: string } };
  return { status: res.status, body: json };
}
