import { channelsFeature } from '../channels/feature.js';
import { avionicsFeature } from '../avionics/feature.js';
import { commandsFeature } from '../commands/feature.js';
import { consoleFeature } from '../console/feature.js';
import type { Feature } from '../contract/feature.js';
import { contentFeature } from '../content/feature.js';
import { firmwareFeature } from '../firmware/feature.js';
import { paFeature } from '../pa/feature.js';
import { panelFeature } from '../panel/feature.js';

/** Every capability that plugs into the spine, in start order: one line each. */
export function defaultFeatures(): Feature[] {
  return [
    commandsFeature(),
    avionicsFeature(),
    firmwareFeature(),
    contentFeature(),
    paFeature(),
    channelsFeature(),
    panelFeature(),
    consoleFeature(),
  ];
}
