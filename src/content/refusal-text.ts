/**
 * The sentence the crew read in the alert book when something plugged into
 * the head-end's USB is refused. The classifier's reasons for whole devices
 * read "a USB keyboard is not allowed"; those become "A USB keyboard was
 * plugged into the head-end and refused." Drives name their label and say why.
 */
export interface RefusedThing {
  /** A whole USB device (keyboard, network adapter, phone), not a drive's block device. */
  usbDevice: boolean;
  /** The label, else the device or port name. */
  name: string;
}

const NOT_ALLOWED = /^(an?) (.+) is not allowed\.?$/i;

const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);

export function refusalText(thing: RefusedThing, reason: string): string {
  const m = NOT_ALLOWED.exec(reason.trim());
  if (m) {
    const article = m[1]!.charAt(0).toUpperCase() + m[1]!.slice(1).toLowerCase();
    return `${article} ${m[2]} was plugged into the head-end and refused. Remove it: only signed content drives are used.`;
  }
  const what = thing.usbDevice ? `A USB device (${thing.name})` : `A USB drive (${thing.name})`;
  return `${what} was plugged into the head-end and refused: ${sentence(reason.trim())}`;
}
