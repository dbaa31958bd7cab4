/** A seat's stored events in the crew's words, for the seat detail's history. */
export function eventText(type: string, d: Record<string, unknown>): string {
  const s = (k: string) => String(d[k] ?? '');
  switch (type) {
    case 'seat.online':
      return 'Came online';
    case 'seat.offline':
      return 'Stopped answering (offline)';
    case 'seat.rebooted':
      return 'Restarted';
    case 'lru.installed':
      return d.previousSerial ? `Unit ${s('serial')} fitted (was ${s('previousSerial')})` : `Unit ${s('serial')} fitted`;
    case 'lru.removed':
      return `Unit ${s('serial')} removed`;
    case 'lru.move-pending':
      return `Unit ${s('serial')} claimed this seat${d.holder ? ` (held by ${s('holder')})` : ''}: held for a technician`;
    case 'lru.move-confirmed':
      return s('by') === 'controller' ? `Unit ${s('serial')} confirmed here (the old unit fell silent)` : `Unit ${s('serial')} confirmed here by ${s('by').replace(/^panel:/, '')}`;
    case 'lru.move-rejected':
      return `Unit ${s('serial')} rejected here by ${s('by').replace(/^panel:/, '')}`;
    case 'lru.firmware':
      return `Firmware ${s('from')} → ${s('to')}`;
    case 'call.pressed':
      return 'Call button pressed';
    case 'call.released':
      return 'Call cancelled at the seat';
    case 'input.changed':
      return `Input ${s('input')} ${d.on ? 'on' : 'off'}`;
    case 'fault.raised':
      return s('code') === 'INPUT_FLAPPING' ? `The ${s('detail') || 'input'} button is flapping (faulty)` : `Fault ${s('code')} (${s('severity')})`;
    case 'fault.cleared':
      return `Fault ${s('code')} cleared`;
    case 'update.changed':
      return `Update: ${s('state')}${d.version ? ` ${s('version')}` : ''}${d.error ? ` (${s('error')})` : ''}`;
    case 'crew.action':
      return `${crewAction(s('action'))} by ${actorName(d) ?? s('by').replace(/^panel:/, '')}`;
    default:
      return type;
  }
}

/** The person of an event that names one (`actor`, newer records); older ones only have `by`. */
function actorName(d: Record<string, unknown>): string | undefined {
  const a = d.actor as { name?: unknown } | undefined;
  return typeof a?.name === 'string' ? a.name : undefined;
}

function crewAction(action: string): string {
  switch (action) {
    case 'alert.ack':
      return 'Alert acknowledged';
    case 'alert.clear':
      return 'Alert cleared';
    default:
      return action;
  }
}
