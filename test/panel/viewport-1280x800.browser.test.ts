import { it } from 'node:test';
import { viewportSuite } from './viewport.js';

it('the panel at 1280x800: calls never hidden, dialogs fit or scroll, touch targets of 32 px or more, nothing clipped', { timeout: 240_000 }, viewportSuite({ width: 1280, height: 800 }));
