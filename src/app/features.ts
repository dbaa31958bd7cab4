import { commandsFeature } from '../commands/feature.js';
import { firmwareFeature } from '../firmware/feature.js';
import { paFeature } from '../pa/feature.js';
import { panelFeature } from '../panel/feature.js';
import type { Feature } from './controller.js';

/** Every capability that plugs into the spine, in start order. */
export function defaultFeatures(): Feature[] {
  const commands = commandsFeature();
  return [commands, firmwareFeature(commands.service), paFeature(commands.service), panelFeature()];
}
