import { randomInt } from 'node:crypto';
import { hashPin } from './pin-hash.js';

export interface DemoPins {
  /** To print for the person trying the demo. */
  pins: { crew: string; technician: string };
  /** To merge into the demo's config as `panel`. */
  panel: { crewPinHash: string; technicianPinHash: string };
}

const sixDigits = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** Fresh random PINs for `purser demo`: the panel works at once, and no PIN is ever a known default. */
export async function demoPanelPins(): Promise<DemoPins> {
  const crew = sixDigits();
  let technician = sixDigits();
  while (technician === crew) technician = sixDigits();
  return { pins: { crew, technician }, panel: { crewPinHash: await hashPin(crew), technicianPinHash: await hashPin(technician) } };
}
