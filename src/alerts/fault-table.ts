/**
 * What each seat fault code means, in plain words, and what to do about it:
 * the one place the panel (seat detail, alerts) and the CLI read it from. A
 * code not listed here is shown as it came, made readable, with a generic
 * suggestion: seats may report codes this table does not know yet.
 */
export interface FaultInfo {
  /** A few words: "Screen backlight". */
  title: string;
  /** What a passenger or the crew notices. */
  meaning: string;
  /** What the crew can do now, then when a technician is needed. */
  action: string;
}

export const FAULT_TABLE: Readonly<Record<string, FaultInfo>> = Object.freeze({
  SCREEN_BACKLIGHT: { title: 'Screen backlight', meaning: 'The screen is dark or dim although the seat is running.', action: 'Offer another seat if one is free; a technician replaces the display at the next stop.' },
  DISK_SMART: { title: 'Storage wearing out', meaning: 'The seat unit’s disk reports errors; films may stutter or stop.', action: 'Nothing for the crew now; a technician swaps the unit (LRU) before it fails.' },
  HEADPHONE_JACK: { title: 'Headphone socket', meaning: 'No sound or crackling in the headphones.', action: 'Try another headset first; if it persists, offer another seat and log it.' },
  TOUCH_PANEL: { title: 'Touchscreen', meaning: 'The screen does not react to touch, or reacts on its own.', action: 'Reboot the seat (Seat detail, Reboot); if it persists, offer another seat.' },
  OVERHEAT: { title: 'Running hot', meaning: 'The seat unit is hotter than it should be; it may slow down or shut off.', action: 'Check nothing covers the unit’s vents (bags, blankets); tell a technician.' },
  HANDSET: { title: 'Passenger handset', meaning: 'The handset or remote does not work.', action: 'Use the touchscreen instead; a technician replaces the handset.' },
  NETWORK_ERRORS: { title: 'Network errors', meaning: 'Films and PA may drop out at this seat.', action: 'Reboot the seat; if it persists, a technician checks the cabling.' },
  INPUT_FLAPPING: { title: 'Faulty button', meaning: 'A button (often the call button) is switching on and off by itself; its calls are ignored.', action: 'Ask the passenger to use the overhead call button; a technician replaces the button.' },
  FIRMWARE_UPDATE: { title: 'Software update failed', meaning: 'The seat could not install new software; it runs the old version.', action: 'Nothing for the crew; a technician retries the update.' },
});

/** The table's entry, or a readable stand-in for a code it does not know. */
export function faultInfo(code: string): FaultInfo {
  const known = Object.hasOwn(FAULT_TABLE, code) ? FAULT_TABLE[code] : undefined;
  if (known) return known;
  const title = code.toLowerCase().replace(/_+/g, ' ').replace(/^./, (c) => c.toUpperCase());
  return { title, meaning: 'The seat reports a fault this panel has no description for.', action: 'Reboot the seat if it misbehaves; tell a technician the code.' };
}
