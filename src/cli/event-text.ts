/** A seat's stored events in words, for `purser seat`: what happened, not the JSON it was kept as. */

export interface StoredEventRow {
  id: number;
  at: number;
  seat: string | null;
  type: string;
  data: Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '?');

/** One line for an event; a type this CLI does not know is shown by its name, with its fields. */
export function eventText(e: StoredEventRow): string {
  const d = e.data;
  switch (e.type) {
    case 'seat.online':
      return 'came online';
    case 'seat.offline':
      return 'went offline (no poll for 3 intervals)';
    case 'seat.rebooted':
      return `rebooted (boot ${str(d.bootId)}, was up ${typeof d.uptimeMs === 'number' ? `${Math.round(d.uptimeMs / 1000)} s` : '?'} before)`;
    case 'call.pressed':
      return 'attendant call pressed';
    case 'call.released':
      return 'attendant call released';
    case 'fault.raised':
      return `fault ${str(d.code)} raised (${str(d.severity)}${d.source === 'controller' ? ', by the controller' : ''})${typeof d.detail === 'string' ? `: ${d.detail}` : ''}`;
    case 'fault.cleared':
      return `fault ${str(d.code)} cleared`;
    case 'input.changed':
      return `input ${str(d.input)} ${d.on ? 'on' : 'off'}`;
    case 'lru.installed':
      return `unit ${str(d.serial)} installed (${str(d.model)}, firmware ${str(d.firmware)})${typeof d.previousSerial === 'string' ? `, replacing ${d.previousSerial}` : ''}`;
    case 'lru.removed':
      return `unit ${str(d.serial)} removed`;
    case 'lru.move-pending':
      return `unit ${str(d.serial)} claims this seat${typeof d.fromSeat === 'string' ? ` (installed at ${d.fromSeat})` : ''}: held for a technician`;
    case 'lru.move-confirmed':
      return `unit ${str(d.serial)} moved here${typeof d.fromSeat === 'string' ? ` from ${d.fromSeat}` : ''}, confirmed by ${str(d.by)}`;
    case 'lru.move-rejected':
      return `unit ${str(d.serial)} refused here by ${str(d.by)}`;
    case 'lru.firmware':
      return `firmware ${str(d.from)} -> ${str(d.to)} on ${str(d.serial)}`;
    case 'update.changed':
      return `update ${str(d.state)}${typeof d.version === 'string' ? ` ${d.version}` : ''}${typeof d.error === 'string' ? `: ${d.error}` : ''}`;
    case 'crew.action':
      return `${str(d.action)} by ${str(d.by)}${typeof d.detail === 'string' ? ` (${d.detail})` : ''}`;
    default:
      return `${e.type} ${JSON.stringify(d)}`.slice(0, 160);
  }
}
