export const TS_PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;
export const NULL_PID = 0x1fff;
export const PAT_PID = 0;

/** The 4-byte transport packet header (ISO/IEC 13818-1 2.4.3.2) and what the adaptation field says. */
export interface TsHeader {
  transportError: boolean;
  payloadUnitStart: boolean;
  pid: number;
  /** 0 reserved, 1 payload only, 2 adaptation field only, 3 both. */
  adaptationFieldControl: number;
  continuityCounter: number;
  /** The adaptation field's discontinuity_indicator: the counter may jump here. */
  discontinuity: boolean;
  /** Offset of the payload in the packet, or -1 when there is none (or the adaptation field overruns the packet). */
  payloadOffset: number;
}

/** Reads one packet's header from `buf` at `at`; the caller has checked the sync byte and length. */
export function readHeader(buf: Uint8Array, at: number): TsHeader {
  const b1 = buf[at + 1]!;
  const b3 = buf[at + 3]!;
  const afc = (b3 >> 4) & 0x3;
  let payloadOffset = -1;
  let discontinuity = false;
  if (afc === 1) payloadOffset = 4;
  if (afc === 2 || afc === 3) {
    const afLength = buf[at + 4]!;
    if (afLength > 0) discontinuity = (buf[at + 5]! & 0x80) !== 0;
    const start = 5 + afLength;
    if (afc === 3 && start < TS_PACKET_SIZE) payloadOffset = start;
  }
  return {
    transportError: (b1 & 0x80) !== 0,
    payloadUnitStart: (b1 & 0x40) !== 0,
    pid: ((b1 & 0x1f) << 8) | buf[at + 2]!,
    adaptationFieldControl: afc,
    continuityCounter: b3 & 0x0f,
    discontinuity,
    payloadOffset,
  };
}
