import { Type, type Static } from '@sinclair/typebox';
import { parsePinHash, PinHashError, type ParsedPinHash } from '../auth/pin-hash.js';
import type { PanelRole } from '../auth/principal.js';
import type { ConfigProblem } from '../contract/config.js';
import { Section } from '../config/formats.js';

/** `panel:`: the crew's touchscreen. PINs are scrypt hashes made by `purser pin-hash`; never plain PINs. */
export const panelSection = Section({
  crewPinHash: Type.Optional(Type.String({ minLength: 1 })),
  technicianPinHash: Type.Optional(Type.String({ minLength: 1 })),
});

export type PanelConfig = Static<typeof panelSection>;

declare module '../contract/config.js' {
  interface ConfigSections {
    panel: PanelConfig;
  }
}

const KEYS = [
  ['crew', 'crewPinHash'],
  ['technician', 'technicianPinHash'],
] as const;

/** A PIN hash that does not parse is a config error, found before anything starts. */
export function checkPanelSection(value: unknown): ConfigProblem[] {
  const panel = value as PanelConfig;
  const out: ConfigProblem[] = [];
  for (const [, key] of KEYS) {
    const encoded = panel[key];
    if (encoded === undefined) continue;
    try {
      parsePinHash(encoded);
    } catch (e) {
      if (!(e instanceof PinHashError)) throw e;
      out.push({ keyPath: `panel.${key}`, reason: e.message });
    }
  }
  return out;
}

/** The configured PIN hashes, parsed (the config check has already refused a malformed one). */
export function configuredPins(panel: PanelConfig): Partial<Record<PanelRole, ParsedPinHash>> {
  const out: Partial<Record<PanelRole, ParsedPinHash>> = {};
  for (const [role, key] of KEYS) {
    const encoded = panel[key];
    if (encoded !== undefined) out[role] = parsePinHash(encoded);
  }
  return out;
}
