import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { reduceEntityAlerts } from '../../src/alerts/book.js';
import type { Entity } from '../../src/contract/entities.js';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { buildTestPanel } from '../panel/harness.js';

const rollout = (state: string, over: Partial<Entity> = {}): Entity => ({ id: 'rollout:7', kind: 'rollout', name: 'gp3 2.4.1', state, attributes: { reason: 'canary: 2 of 3 seats failed' }, changedAt: 1000, updatedAt: 1000, ...over });

describe('a halted firmware rollout raises an alert', () => {
  it('opens one alert per halt, however often the entity is rewritten, and closes it when the rollout runs again', () => {
    const a = reduceEntityAlerts(new Map(), { type: 'set', entity: rollout('halted') });
    assert.equal(a.changes.length, 1);
    const alert = [...a.book.values()][0]!;
    assert.equal(alert.kind, 'rollout');
    assert.equal(alert.priority, 'high');
    assert.equal(alert.text, 'gp3 2.4.1 halted: canary: 2 of 3 seats failed');
    assert.match(alert.id, /^[a-z]{1,16}-[A-Za-z0-9_-]{1,120}$/, 'an id the ack/clear routes accept');
    assert.deepEqual(reduceEntityAlerts(a.book, { type: 'set', entity: rollout('halted', { updatedAt: 2000 }) }).changes, []);
    const resumed = reduceEntityAlerts(a.book, { type: 'set', entity: rollout('running', { changedAt: 3000 }) });
    assert.equal(resumed.book.size, 0);
    assert.equal(resumed.changes[0]?.op, 'close');
    assert.equal(reduceEntityAlerts(a.book, { type: 'removed', id: 'rollout:7', kind: 'rollout' }).book.size, 0);
    assert.deepEqual(reduceEntityAlerts(new Map(), { type: 'set', entity: { ...rollout('halted'), kind: 'channel', id: 'channel:x' } }).changes, [], 'other kinds are not rollouts');
  });

  describe('through the controller', () => {
    let tc: TestController;
    let remove: () => Promise<void>;
    before(async () => {
      const built = await buildTestPanel();
      remove = built.remove;
      tc = await startTestController({}, [panelFeature({ webRoot: built.webRoot })]);
    });
    after(async () => {
      await tc?.stop();
      await remove?.();
    });

    it('lists the alert for the crew panel until the technician resumes, and it can be cleared', async () => {
      const alerts = async () => ((await (await fetch(`${tc.url}/api/v1/alerts`)).json()) as { alerts: Alert[] }).alerts;
      tc.controller.ctx.entities.set({ id: 'rollout:3', kind: 'rollout', name: 'gp3 9.9', state: 'halted', attributes: { reason: 'sha256 mismatch at 12A' } });
      const [a] = await alerts();
      assert.equal(a?.kind, 'rollout');
      assert.match(a!.text!, /gp3 9\.9 halted: sha256 mismatch at 12A/);
      tc.controller.ctx.entities.set({ id: 'rollout:3', kind: 'rollout', name: 'gp3 9.9', state: 'running', attributes: {} });
      assert.deepEqual(await alerts(), []);
    });
  });
});
