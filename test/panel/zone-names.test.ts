import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildLayout } from '../../src/config/layout.js';
import { zoneLabel } from '../../src/panel/web/wire.js';
import { startTestController } from '../helpers/controller.js';

it('zones carry the names the layout gives them to /api/v1/layout and the panel', async () => {
  const tc = await startTestController({ cabin: { secret: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', layout: { rows: 10, letters: 'AB CD', zones: { J: { rows: '1-2', name: 'Upper deck' }, Y: '3-10' } } } });
  try {
    const layout = (await (await fetch(`${tc.url}/api/v1/layout`)).json()) as { zones: string[]; zoneNames: Record<string, string> };
    assert.deepEqual(layout.zones, ['J', 'Y']);
    assert.deepEqual({ ...layout.zoneNames }, { J: 'Upper deck', Y: 'Economy' }, 'a configured name, else the usual name of the class code');
    assert.equal(zoneLabel(layout, 'J'), 'Zone J · Upper deck');
  } finally {
    await tc.stop();
  }
  assert.deepEqual({ ...buildLayout({ rows: 3, letters: 'AB', zones: { Z1: '1-3' } }).zoneNames }, {}, 'a code with no usual name keeps just its code');
  assert.equal(zoneLabel({ zoneNames: {} }, 'Z1'), 'Zone Z1');
});
