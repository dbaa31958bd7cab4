import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reduceEntityAlerts } from '../../src/alerts/book.js';
import type { Entity } from '../../src/contract/entities.js';
import { clockCrewAlert, discreteCrewAlert } from '../../src/avionics/crew-alerts.js';
import { monitorCrewAlert } from '../../src/monitors/monitor-alert.js';
import type { MonitorEntity } from '../../src/monitors/types.js';

const ent = (attributes: Record<string, unknown>, over: Partial<Entity> = {}): Entity => ({ id: 'monitor:fwd', kind: 'monitor', name: 'fwd', state: 'no-reply', attributes, changedAt: 1000, updatedAt: 1000, ...over });

describe('any entity with a crewAlert opens a system alert', () => {
  it('one alert per episode, however often the entity is written; resolved when the attribute goes or the entity does', () => {
    const a = reduceEntityAlerts(new Map(), { type: 'set', entity: ent({ crewAlert: 'Overhead monitor fwd does not answer' }) });
    assert.equal(a.changes.length, 1);
    const alert = [...a.book.values()][0]!;
    assert.deepEqual([alert.kind, alert.seat, alert.priority, alert.code, alert.text], ['system', '', 'normal', 'monitor:fwd', 'Overhead monitor fwd does not answer']);
    assert.match(alert.id, /^[a-z]{1,16}-[A-Za-z0-9_-]{1,120}$/, 'an id the ack/clear routes accept');
    assert.deepEqual(reduceEntityAlerts(a.book, { type: 'set', entity: ent({ crewAlert: 'still silent' }, { updatedAt: 2000 }) }).changes, []);
    const back = reduceEntityAlerts(a.book, { type: 'set', entity: ent({}, { state: 'on', updatedAt: 3000 }) });
    assert.equal(back.book.size, 0);
    assert.equal(back.changes[0]?.op, 'close');
    assert.equal(reduceEntityAlerts(a.book, { type: 'removed', id: 'monitor:fwd', kind: 'monitor' }).book.size, 0);
  });

  it('takes the priority it is given, ignores an empty text and a state restored from before a restart', () => {
    const high = reduceEntityAlerts(new Map(), { type: 'set', entity: ent({ crewAlert: 'x', crewAlertPriority: 'high' }) });
    assert.equal([...high.book.values()][0]!.priority, 'high');
    assert.deepEqual(reduceEntityAlerts(new Map(), { type: 'set', entity: ent({ crewAlert: '' }) }).changes, []);
    assert.deepEqual(reduceEntityAlerts(new Map(), { type: 'set', entity: ent({ crewAlert: 'x', restored: true }) }).changes, []);
    assert.deepEqual(reduceEntityAlerts(high.book, { type: 'set', entity: ent({ crewAlert: 'x', restored: true }) }).changes, [], 'a restored state closes nothing either');
  });
});

describe('what the publishers say', () => {
  const monitor = (faults: MonitorEntity['attributes']['faults']): MonitorEntity => ({
    id: 'monitor:fwd',
    kind: 'monitor',
    state: 'no-reply',
    attributes: { monitorId: 3, power: null, input: null, inputCode: null, lastReplyAgoMs: null, commands: 0, replies: 0, timeouts: 0, faults },
  });

  it('a monitor out of reach is an alert; a refused or busy command is not', () => {
    assert.match(monitorCrewAlert('fwd', monitor(['MONITOR_NO_REPLY'])).crewAlert ?? '', /fwd does not answer \(MONITOR_NO_REPLY\)/);
    assert.match(monitorCrewAlert('fwd', monitor(['MONITOR_NO_REPLY', 'MONITOR_PORT_DOWN'])).crewAlert ?? '', /serial line is down \(MONITOR_PORT_DOWN\)/);
    assert.deepEqual(monitorCrewAlert('fwd', monitor(['MONITOR_UNSUPPORTED', 'MONITOR_BUSY'])), {});
  });

  it('a flapping discrete, and one heard then silent, are alerts; silent since start-up is not', () => {
    const d = (fault: 'stale' | 'flapping' | null) => ({ name: 'doorOpen', value: 'unknown' as const, fault, since: 0 });
    assert.match(discreteCrewAlert(d('flapping'), false).crewAlert ?? '', /doorOpen is flapping/);
    assert.match(discreteCrewAlert(d('stale'), true).crewAlert ?? '', /doorOpen went silent/);
    assert.deepEqual(discreteCrewAlert(d('stale'), false), {});
    assert.deepEqual(discreteCrewAlert(d(null), true), {});
  });

  it('the clock off from avionics UTC says by how much and which way', () => {
    const r = (skewMs: number, skewOk: boolean) => ({ avionicsMs: 0, wallMs: skewMs, skewMs, resolutionMs: 6000, skewOk, dated: true, jumps: [] });
    assert.match(clockCrewAlert(r(-3_600_000, false)).crewAlert ?? '', /3600 s behind avionics UTC/);
    assert.match(clockCrewAlert(r(95_000, false)).crewAlert ?? '', /95 s ahead of/);
    assert.deepEqual(clockCrewAlert(r(1000, true)), {});
  });
});
