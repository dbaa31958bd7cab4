/** Program-specific information: just enough of PAT and PMT (ISO/IEC 13818-1 2.4.4) to know a stream is decodable. */

export const TABLE_PAT = 0x00;
export const TABLE_PMT = 0x02;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32/MPEG-2 (no reflection, init all ones, no final xor): over a whole section including its CRC it is 0. */
export function crc32Mpeg2(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc >>> 0;
}

export interface PsiSection {
  tableId: number;
  /** The section from table_id through the CRC. */
  bytes: Uint8Array;
}

/**
 * The section that starts in a payload-unit-start packet's payload, when it is
 * whole in this packet and its CRC is right; PAT and PMT of a few programs
 * always fit one packet. Anything else is undefined, never a throw.
 */
export function sectionInPayload(payload: Uint8Array): PsiSection | undefined {
  if (payload.length < 1) return undefined;
  const start = 1 + payload[0]!; // pointer_field
  if (start + 3 > payload.length) return undefined;
  const sectionLength = ((payload[start + 1]! & 0x0f) << 8) | payload[start + 2]!;
  const end = start + 3 + sectionLength;
  if (sectionLength < 9 || end > payload.length) return undefined;
  const bytes = payload.subarray(start, end);
  if (crc32Mpeg2(bytes) !== 0) return undefined;
  return { tableId: bytes[0]!, bytes };
}

/** The PMT PIDs a PAT section lists (program 0 is the network PID, not a PMT). */
export function pmtPidsOfPat(section: Uint8Array): number[] {
  const pids: number[] = [];
  // 8 header bytes after table_id.. last_section_number, 4 CRC bytes at the end.
  for (let i = 8; i + 4 <= section.length - 4; i += 4) {
    const program = (section[i]! << 8) | section[i + 1]!;
    const pid = ((section[i + 2]! & 0x1f) << 8) | section[i + 3]!;
    if (program !== 0) pids.push(pid);
  }
  return pids;
}
