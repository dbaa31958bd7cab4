import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { demoPanelPins } from '../../src/auth/demo-pins.js';
import { hashPin, parsePinHash, PinHashError, verifyPin } from '../../src/auth/pin-hash.js';

/** Cheap parameters keep the suite fast; the format and the check are the same. */
const FAST = { N: 1024, r: 8, p: 1 };

describe('PIN hashes', () => {
  it('verifies the right PIN and refuses others, with a fresh salt each time', async () => {
    const h = await hashPin('482913', FAST);
    assert.match(h, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    assert.notEqual(h, await hashPin('482913', FAST));
    const parsed = parsePinHash(h);
    assert.equal(await verifyPin('482913', parsed), true);
    assert.equal(await verifyPin('482914', parsed), false);
    assert.equal(await verifyPin('', parsed), false);
  });

  it('uses strong defaults: N=32768, r=8, p=1', async () => {
    const h = await hashPin('1234');
    assert.match(h, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPin('1234', parsePinHash(h)), true);
  });

  it('refuses to hash something that is not a 4-12 digit PIN', async () => {
    for (const bad of ['123', '1234567890123', '12a4', ' 1234', '']) await assert.rejects(hashPin(bad, FAST), PinHashError);
  });

  it('refuses malformed or dangerous hashes with a reason, never by crashing', () => {
    const salt = Buffer.alloc(16, 1).toString('base64');
    const key = Buffer.alloc(32, 2).toString('base64');
    const cases: [string, RegExp][] = [
      ['1234', /not of the form/],
      [`bcrypt$1024$8$1$${salt}$${key}`, /not of the form/],
      [`scrypt$1000$8$1$${salt}$${key}`, /power of two/],
      [`scrypt$${2 ** 21}$8$1$${salt}$${key}`, /power of two/],
      [`scrypt$1024$0$1$${salt}$${key}`, /r outside/],
      [`scrypt$1048576$32$16$${salt}$${key}`, /256 MiB/],
      [`scrypt$1024$8$1$not base64!$${key}`, /base64/],
      [`scrypt$1024$8$1$AAAA$${key}`, /salt under 8 bytes/],
    ];
    for (const [h, re] of cases) assert.throws(() => parsePinHash(h), (e: Error) => e instanceof PinHashError && re.test(e.message), h);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          parsePinHash(s);
        } catch (e) {
          assert.ok(e instanceof PinHashError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('demo PINs', () => {
  it('are fresh random 6-digit PINs, different per role, with hashes that verify', async () => {
    const a = await demoPanelPins();
    const b = await demoPanelPins();
    assert.match(a.pins.crew, /^\d{6}$/);
    assert.notEqual(a.pins.crew, a.pins.technician);
    assert.notDeepEqual(a.pins, b.pins);
    assert.equal(await verifyPin(a.pins.crew, parsePinHash(a.panel.crewPinHash)), true);
    assert.equal(await verifyPin(a.pins.technician, parsePinHash(a.panel.technicianPinHash)), true);
  });
});
