import { SEAT_ID_PATTERN } from '../../protocols/seat-poll/schema.js';
import { FAULT_SEVERITIES, type FaultSeverity } from '../../protocols/seat-poll/types.js';
import type { SeatAction } from './actions.js';
import { FIRMWARE_FAULTS, isFirmwareFault } from './firmware/faults.js';
import { FAULT_CODE } from './seat-model.js';
import type { Target } from './simulator.js';

/**
 * The text form of a behaviour, shared by `purser sim --NAME ARG` and the
 * `NAME ARG` lines it reads on stdin. ARG is `VALUE@SEATS`; an action whose
 * value is optional takes bare SEATS, one whose target is optional takes bare
 * VALUE and applies to every seat. SEATS is `all`, `12A,14C` or `10%`.
 */
export class ActionSyntaxError extends Error {}

interface Spec {
  /** What a bare argument (without "@") is. */
  bare: 'value' | 'seats';
  usage: string;
  help: string;
  parse(value: string | undefined): SeatAction;
}

const SEAT_ID = new RegExp(SEAT_ID_PATTERN);
const DEFAULT_FLAP_HZ = 5;

function number(text: string | undefined, what: string, min: number, max: number, integer = false): number {
  const n = text === undefined || text.trim() === '' ? NaN : Number(text);
  if (!(n >= min && n <= max) || (integer && !Number.isInteger(n))) {
    throw new ActionSyntaxError(`${what} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, not ${JSON.stringify(text ?? '')}`);
  }
  return n;
}

const DAY_MS = 86_400_000;
const MAX_SKEW_MS = 3650 * DAY_MS;
const ms = (v: string | undefined, what: string) => number(v, what, 0, DAY_MS, true);
const none = (v: string | undefined, name: string): void => {
  if (v !== undefined) throw new ActionSyntaxError(`${name} takes only SEATS, not ${JSON.stringify(v)}`);
};

function faultCode(code: string | undefined): string {
  if (code === undefined || !FAULT_CODE.test(code)) {
    throw new ActionSyntaxError(`a fault code looks like DISK_SMART (${FAULT_CODE.source}), not ${JSON.stringify(code ?? '')}`);
  }
  return code;
}

function fault(v: string | undefined): SeatAction {
  const [code, severity = 'warn', ...rest] = (v ?? '').split(':');
  if (rest.length > 0 || !(FAULT_SEVERITIES as readonly string[]).includes(severity)) {
    throw new ActionSyntaxError(`fault takes CODE[:SEVERITY], SEVERITY one of ${FAULT_SEVERITIES.join(', ')}; not ${JSON.stringify(v ?? '')}`);
  }
  return { do: 'fault', code: faultCode(code), severity: severity as FaultSeverity };
}

/** Every action, in the order `purser sim --help` lists them. */
export const ACTIONS: Readonly<Record<string, Spec>> = {
  drop: {
    bare: 'value',
    usage: 'P[@SEATS]',
    help: 'lose each poll with probability P (0..1)',
    parse: (v) => ({ do: 'drop', probability: number(v, 'drop probability', 0, 1) }),
  },
  'lose-datagrams': {
    bare: 'value',
    usage: 'P[@SEATS]',
    help: 'lose each command datagram copy with probability P (0..1)',
    parse: (v) => ({ do: 'lose-datagrams', probability: number(v, 'datagram loss', 0, 1) }),
  },
  silent: {
    bare: 'value',
    usage: 'MS[@SEATS]',
    help: 'lose every poll for MS ms from now, as if unplugged',
    parse: (v) => ({ do: 'silent', ms: ms(v, 'silence') }),
  },
  reboot: {
    bare: 'seats',
    usage: '[MS@]SEATS',
    help: 'reboot now (new bootId, seq from 1), polling again after MS ms (default 0)',
    parse: (v) => ({ do: 'reboot', downMs: v === undefined ? 0 : ms(v, 'reboot time') }),
  },
  'skew-ms': {
    bare: 'value',
    usage: 'MS[@SEATS]',
    help: "set the seats' clocks MS ms off (negative: behind; write --skew-ms=-MS)",
    parse: (v) => ({ do: 'skew', ms: number(v, 'clock skew', -MAX_SKEW_MS, MAX_SKEW_MS, true) }),
  },
  call: {
    bare: 'seats',
    usage: 'SEATS',
    help: 'press the attendant-call button and keep it pressed',
    parse: (v) => (none(v, 'call'), { do: 'call' }),
  },
  release: {
    bare: 'seats',
    usage: 'SEATS',
    help: 'release the call button',
    parse: (v) => (none(v, 'release'), { do: 'release' }),
  },
  hold: {
    bare: 'value',
    usage: 'MS[@SEATS]',
    help: 'press the call button and release it MS ms later',
    parse: (v) => ({ do: 'hold', ms: ms(v, 'hold time') }),
  },
  flap: {
    bare: 'seats',
    usage: '[HZ@]SEATS',
    help: `toggle the call input HZ times a second (default ${DEFAULT_FLAP_HZ}; 0 stops)`,
    parse: (v) => ({ do: 'flap', hz: v === undefined ? DEFAULT_FLAP_HZ : number(v, 'flap rate', 0, 1000) }),
  },
  fault: {
    bare: 'value',
    usage: 'CODE[:SEVERITY][@SEATS]',
    help: `raise a fault (SEVERITY ${FAULT_SEVERITIES.join('|')}, default warn)`,
    parse: fault,
  },
  'clear-fault': {
    bare: 'value',
    usage: 'CODE[@SEATS]',
    help: 'clear a fault',
    parse: (v) => ({ do: 'clear-fault', code: faultCode(v) }),
  },
  'swap-lru': {
    bare: 'seats',
    usage: 'SEATS',
    help: 'fit a spare unit (new serial, new boot): the controller should record an LRU swap',
    parse: (v) => (none(v, 'swap-lru'), { do: 'swap-lru' }),
  },
  'firmware-fault': {
    bare: 'value',
    usage: 'KIND[:N][@SEATS]',
    help: `spoil the next N firmware updates (default all): ${FIRMWARE_FAULTS.join('|')}, or none to clear`,
    parse: firmwareFault,
  },
  'bad-signer': {
    bare: 'seats',
    usage: '[on|off@]SEATS',
    help: 'sign polls with a wrong key, so the controller answers 401',
    parse: (v) => ({ do: 'bad-signer', on: onOff(v) }),
  },
};

function firmwareFault(v: string | undefined): SeatAction {
  const [kind = '', n, ...rest] = (v ?? '').split(':');
  if (kind === 'none' && n === undefined) return { do: 'firmware-fault', fault: null };
  if (!isFirmwareFault(kind) || rest.length > 0) {
    throw new ActionSyntaxError(`firmware-fault takes KIND[:N], KIND one of ${FIRMWARE_FAULTS.join(', ')} or none; not ${JSON.stringify(v ?? '')}`);
  }
  return { do: 'firmware-fault', fault: kind, attempts: n === undefined ? undefined : number(n, 'attempts', 1, 1000, true) };
}

function onOff(v: string | undefined): boolean {
  if (v === undefined || v === 'on') return true;
  if (v === 'off') return false;
  throw new ActionSyntaxError(`bad-signer takes on or off, not ${JSON.stringify(v)}`);
}

export function parseTarget(text: string): Target {
  if (text === 'all') return 'all';
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct) {
    const fraction = Number(pct[1]) / 100;
    if (!(fraction > 0 && fraction <= 1)) throw new ActionSyntaxError(`a share of seats must be in (0%, 100%], not ${text}`);
    return { fraction };
  }
  const ids = text.split(',');
  const bad = ids.find((id) => !SEAT_ID.test(id));
  if (bad !== undefined) throw new ActionSyntaxError(`${JSON.stringify(bad)} is not a seat id like 12A (SEATS is all, 12A,14C or 10%)`);
  return ids;
}

/** Parses `NAME ARG` into what to do and to whom. Throws ActionSyntaxError, naming what is wrong. */
export function parseAction(name: string, arg: string): { target: Target; action: SeatAction } {
  const spec = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!spec) throw new ActionSyntaxError(`unknown action ${JSON.stringify(name)} (one of ${Object.keys(ACTIONS).join(', ')})`);
  const at = arg.lastIndexOf('@');
  const [value, seats] = at >= 0 ? [arg.slice(0, at), arg.slice(at + 1)] : spec.bare === 'value' ? [arg, 'all'] : [undefined, arg];
  return { target: parseTarget(seats), action: spec.parse(value) };
}
