import { ALL_MONITORS_ADDRESS, CONTROLLER_ADDRESS, encodePacket, hex, monitorAddress, monitorIdOf, parseHex, type NecPacket } from './nec-frame.js';

/**
 * The NEC messages the monitor driver uses, both directions (the simulated
 * monitor speaks the monitor's side). Section numbers refer to the NEC
 * "External Control" manual (docs/monitors.md).
 */

/** Power modes of the power status reply (7.1); only ON and OFF may be set (7.2). */
export const POWER_MODE = { on: 0x0001, standby: 0x0002, suspend: 0x0003, off: 0x0004 } as const;
export type PowerModeName = keyof typeof POWER_MODE;

export function powerModeName(mode: number): PowerModeName | null {
  for (const [name, v] of Object.entries(POWER_MODE)) if (v === mode) return name as PowerModeName;
  return null;
}

/** OP code page 00h, OP code 60h: input select (set parameter). */
export const INPUT_OP = { page: 0x00, code: 0x60 } as const;

/** Input values of OP 0060h as the manual's table lists them. */
export const INPUTS = {
  vga: 0x01,
  'rgb-hv': 0x02,
  dvi: 0x03,
  video1: 0x05,
  video2: 0x06,
  's-video': 0x07,
  tv: 0x0a,
  'dvd-hd1': 0x0c,
  option: 0x0d,
  'dvd-hd2': 0x0e,
  displayport: 0x0f,
  hdmi: 0x11,
} as const;
export type InputName = keyof typeof INPUTS;

export function inputName(value: number): InputName | null {
  for (const [name, v] of Object.entries(INPUTS)) if (v === value) return name as InputName;
  return null;
}

/** Result codes: '00' no error, '01' unsupported (or not now, e.g. input change in standby). */
export const RESULT_OK = 0x00;
export const RESULT_UNSUPPORTED = 0x01;

const POWER_CONTROL = 'C203D6';
const POWER_STATUS_READ = '01D6';
const NULL_BODY = 'BE';

function to(monitorId: number): number {
  const a = monitorAddress(monitorId);
  if (a === null) throw new RangeError(`NEC monitor ID must be 1..100, got ${monitorId}`);
  return a;
}

const ascii = (s: string) => Buffer.from(s, 'latin1');
const command = (monitorId: number, type: NecPacket['type'], body: string): Buffer =>
  encodePacket({ destination: to(monitorId), source: CONTROLLER_ADDRESS, type, body: ascii(body) });
const reply = (monitorId: number, type: NecPacket['type'], body: string): Buffer =>
  encodePacket({ destination: CONTROLLER_ADDRESS, source: to(monitorId), type, body: ascii(body) });

// ---- controller -> monitor ------------------------------------------------

/** 7.2 power control: 'on' (0001) or 'off' (0004, same as IR power off). */
export function encodePowerControl(monitorId: number, mode: 'on' | 'off'): Buffer {
  return command(monitorId, 'A', POWER_CONTROL + hex(POWER_MODE[mode], 4));
}

/** 7.1 power status read. */
export function encodePowerStatusRead(monitorId: number): Buffer {
  return command(monitorId, 'A', POWER_STATUS_READ);
}

/** 5.1 get parameter: OP code page and OP code. */
export function encodeGetParameter(monitorId: number, page: number, code: number): Buffer {
  return command(monitorId, 'C', hex(page, 2) + hex(code, 2));
}

/** 5.3 set parameter: OP code page, OP code, 16-bit value. */
export function encodeSetParameter(monitorId: number, page: number, code: number, value: number): Buffer {
  return command(monitorId, 'E', hex(page, 2) + hex(code, 2) + hex(value, 4));
}

/** Input select = set parameter 0060h. */
export function encodeInputSelect(monitorId: number, input: InputName | number): Buffer {
  const value = typeof input === 'number' ? input : INPUTS[input];
  return encodeSetParameter(monitorId, INPUT_OP.page, INPUT_OP.code, value);
}

// ---- monitor -> controller ------------------------------------------------

export interface ParameterReply {
  result: number;
  page: number;
  code: number;
  /** 00 set parameter, 01 momentary. */
  opType: number;
  max: number;
  current: number;
}

export type NecReply =
  | { kind: 'power-control'; monitorId: number; result: number; mode: number }
  | { kind: 'power-status'; monitorId: number; result: number; mode: number }
  | ({ kind: 'get-parameter' | 'set-parameter'; monitorId: number } & ParameterReply)
  /** 5.5.3 NULL message: the monitor has no answer now (busy powering, unknown command). */
  | { kind: 'null'; monitorId: number }
  | { kind: 'other-command-reply'; monitorId: number; body: string };

export type ReplyResult = { ok: true; reply: NecReply } | { ok: false; reason: string };

/** Never throws: a decoded packet from a monitor becomes a typed reply, or why not. */
export function parseReply(p: NecPacket): ReplyResult {
  const monitorId = monitorIdOf(p.source);
  if (p.destination !== CONTROLLER_ADDRESS) return { ok: false, reason: 'not addressed to the controller' };
  if (monitorId === null) return { ok: false, reason: `source ${hex(p.source, 2)} is not a monitor ID` };
  const b = p.body;
  const text = b.toString('latin1');
  if (p.type === 'B') {
    if (text === NULL_BODY) return { ok: true, reply: { kind: 'null', monitorId } };
    if (b.length === 12 && text.slice(2, 8) === POWER_CONTROL) {
      const result = parseHex(b, 0, 2);
      const mode = parseHex(b, 8, 4);
      if (result === null || mode === null) return { ok: false, reason: 'power control reply with non-hex fields' };
      return { ok: true, reply: { kind: 'power-control', monitorId, result, mode } };
    }
    if (b.length === 16 && text.startsWith('02') && text.slice(4, 6) === 'D6') {
      const result = parseHex(b, 2, 2);
      const mode = parseHex(b, 12, 4);
      if (result === null || mode === null) return { ok: false, reason: 'power status reply with non-hex fields' };
      return { ok: true, reply: { kind: 'power-status', monitorId, result, mode } };
    }
    return { ok: true, reply: { kind: 'other-command-reply', monitorId, body: text } };
  }
  if (p.type === 'D' || p.type === 'F') {
    const param = parseParameterReply(b);
    if (!param) return { ok: false, reason: `malformed ${p.type === 'D' ? 'get' : 'set'} parameter reply` };
    return { ok: true, reply: { kind: p.type === 'D' ? 'get-parameter' : 'set-parameter', monitorId, ...param } };
  }
  return { ok: false, reason: `message type ${p.type} is not a reply` };
}

function parseParameterReply(b: Buffer): ParameterReply | null {
  const result = parseHex(b, 0, 2);
  const page = parseHex(b, 2, 2);
  const code = parseHex(b, 4, 2);
  if (result === null || page === null || code === null) return null;
  // An 'unsupported' reply carries the OP code; monitors differ in what follows it.
  if (b.length < 16) return result !== RESULT_OK ? { result, page, code, opType: 0, max: 0, current: 0 } : null;
  const opType = parseHex(b, 6, 2);
  const max = parseHex(b, 8, 4);
  const current = parseHex(b, 12, 4);
  if (opType === null || max === null || current === null || b.length !== 16) return null;
  return { result, page, code, opType, max, current };
}

// ---- the monitor's side (for the simulated monitor) ------------------------

export type NecCommand =
  | { kind: 'power-control'; mode: number }
  | { kind: 'power-status-read' }
  | { kind: 'get-parameter'; page: number; code: number }
  | { kind: 'set-parameter'; page: number; code: number; value: number }
  | { kind: 'unknown'; type: NecPacket['type']; body: string };

export type CommandResult =
  | { ok: true; monitorId: number | 'all'; command: NecCommand }
  | { ok: false; reason: string };

/** Never throws: a packet from the controller becomes the command it carries. */
export function parseCommand(p: NecPacket): CommandResult {
  if (p.source !== CONTROLLER_ADDRESS) return { ok: false, reason: 'not from the controller' };
  const id = p.destination === ALL_MONITORS_ADDRESS ? 'all' : monitorIdOf(p.destination);
  if (id === null) return { ok: false, reason: `destination ${hex(p.destination, 2)} is not a monitor` };
  const b = p.body;
  const text = b.toString('latin1');
  const hexOk = (...vs: Array<number | null>): boolean => vs.every((v) => v !== null);
  if (p.type === 'A' && text === POWER_STATUS_READ) return { ok: true, monitorId: id, command: { kind: 'power-status-read' } };
  if (p.type === 'A' && b.length === 10 && text.startsWith(POWER_CONTROL)) {
    const mode = parseHex(b, 6, 4);
    if (mode !== null) return { ok: true, monitorId: id, command: { kind: 'power-control', mode } };
  }
  if (p.type === 'C' && b.length === 4) {
    const page = parseHex(b, 0, 2);
    const code = parseHex(b, 2, 2);
    if (hexOk(page, code)) return { ok: true, monitorId: id, command: { kind: 'get-parameter', page: page!, code: code! } };
  }
  if (p.type === 'E' && b.length === 8) {
    const page = parseHex(b, 0, 2);
    const code = parseHex(b, 2, 2);
    const value = parseHex(b, 4, 4);
    if (hexOk(page, code, value)) return { ok: true, monitorId: id, command: { kind: 'set-parameter', page: page!, code: code!, value: value! } };
  }
  return { ok: true, monitorId: id, command: { kind: 'unknown', type: p.type, body: text } };
}

export function encodePowerControlReply(monitorId: number, result: number, mode: number): Buffer {
  return reply(monitorId, 'B', hex(result, 2) + POWER_CONTROL + hex(mode, 4));
}

export function encodePowerStatusReply(monitorId: number, result: number, mode: number): Buffer {
  // '02' reserved, result, 'D6', type 00 (set parameter), max 0004, current mode.
  return reply(monitorId, 'B', '02' + hex(result, 2) + 'D6' + '00' + hex(4, 4) + hex(mode, 4));
}

export function encodeParameterReply(monitorId: number, which: 'get' | 'set', r: ParameterReply): Buffer {
  const body = hex(r.result, 2) + hex(r.page, 2) + hex(r.code, 2) + hex(r.opType, 2) + hex(r.max, 4) + hex(r.current, 4);
  return reply(monitorId, which === 'get' ? 'D' : 'F', body);
}

export function encodeNullReply(monitorId: number): Buffer {
  return reply(monitorId, 'B', NULL_BODY);
}
