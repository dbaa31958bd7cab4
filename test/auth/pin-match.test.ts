import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hashPin, parsePinHash } from '../../src/auth/pin-hash.js';
import { Gate, matchPin, type PinHolder } from '../../src/auth/pin-match.js';
import { actorOf, panelPrincipalName } from '../../src/auth/principal.js';

const TEST_HASH = { N: 1024, r: 8, p: 1 };

async function holder(pin: string, role: PinHolder['role'], person?: string): Promise<PinHolder> {
  return { role, ...(person !== undefined ? { person } : {}), hash: parsePinHash(await hashPin(pin, TEST_HASH)), keyPath: person ? `people.${person}` : `${role}PinHash` };
}

describe('whose PIN is it', () => {
  let okafor: PinHolder, mensah: PinHolder, tech: PinHolder, crew: PinHolder;
  before(async () => {
    [okafor, mensah, tech, crew] = await Promise.all([holder('1111', 'crew', 'A. Okafor'), holder('2222', 'technician', 'B. Mensah'), holder('9999', 'technician'), holder('5555', 'crew')]);
  });

  it("finds the person whose PIN it is, and a shared role PIN's role", async () => {
    const all = [crew, tech, okafor, mensah];
    const gate = new Gate(2);
    assert.deepEqual(await matchPin('1111', all, gate), { kind: 'one', holder: okafor });
    assert.deepEqual(await matchPin('2222', all, gate), { kind: 'one', holder: mensah });
    assert.deepEqual(await matchPin('5555', all, gate), { kind: 'one', holder: crew });
    assert.deepEqual(await matchPin('0000', all, gate), { kind: 'none' });
  });

  it('with a role asked for, a PIN of the other role is no match', async () => {
    const all = [crew, tech, okafor, mensah];
    const gate = new Gate(2);
    assert.deepEqual(await matchPin('2222', all, gate, 'crew'), { kind: 'none' });
    assert.deepEqual(await matchPin('2222', all, gate, 'technician'), { kind: 'one', holder: mensah });
    assert.deepEqual(await matchPin('9999', all, gate, 'crew'), { kind: 'none' });
  });

  it('refuses a PIN that is a person\'s and someone else\'s (another person, a role PIN), whatever role is asked', async () => {
    const twin = await holder('1111', 'technician', 'C. Twin');
    const gate = new Gate(2);
    const shared = await matchPin('1111', [okafor, twin], gate, 'technician');
    assert.equal(shared.kind, 'shared');
    assert.deepEqual(shared.kind === 'shared' && shared.holders.map((h) => h.person), ['A. Okafor', 'C. Twin']);
    const roleToo = await holder('1111', 'crew');
    assert.equal((await matchPin('1111', [roleToo, okafor], gate)).kind, 'shared');
  });

  it('keeps the old rule between the two role PINs: the technician first', async () => {
    const sameAsTech = await holder('9999', 'crew');
    const gate = new Gate(2);
    assert.deepEqual(await matchPin('9999', [sameAsTech, tech], gate), { kind: 'one', holder: tech });
    assert.deepEqual(await matchPin('9999', [sameAsTech, tech], gate, 'crew'), { kind: 'one', holder: sameAsTech });
  });

  it('checks every holder, at most `max` at once', async () => {
    const gate = new Gate(2);
    let running = 0;
    let most = 0;
    let done = 0;
    const job = () =>
      gate.run(async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        done++;
      });
    await Promise.all(Array.from({ length: 7 }, job));
    assert.equal(done, 7);
    assert.equal(most, 2);
    await assert.rejects(gate.run(async () => Promise.reject(new Error('boom'))), /boom/);
    await gate.run(async () => undefined); // a failure gives its slot back
  });

  it("names a person's principal after them, and a shared PIN's after its role", () => {
    assert.equal(panelPrincipalName('crew', 'A. Okafor'), 'panel:A. Okafor');
    assert.equal(panelPrincipalName('technician'), 'panel:technician');
    assert.deepEqual(actorOf({ role: 'crew', name: 'panel:A. Okafor', via: 'session', person: 'A. Okafor' }), { name: 'A. Okafor', role: 'crew' });
    assert.equal(actorOf({ role: 'technician', name: 'token', via: 'token' }), undefined);
  });
});
