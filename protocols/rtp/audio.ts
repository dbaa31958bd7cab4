import { l16LevelDbfs, pcmuLevelDbfs } from './level.js';
import { parseRtp, type RtpPacket, type RtpParseError } from './packet.js';

export type AudioCodec = 'L16' | 'PCMU';

export interface AudioFormat {
  codec: AudioCodec;
  /** RTP timestamp units per second, for the jitter estimate. */
  clockRate: number;
}

/** PCMU has a static payload type (RFC 3551); L16 48 kHz mono has none, so its types are configured. */
export const PCMU_PAYLOAD_TYPE = 0;
/** 96 is what the PA gateway sends (seat protocol section 3); 97 is what ffmpeg picks for L16. */
export const DEFAULT_L16_PAYLOAD_TYPES: readonly number[] = [96, 97];

const L16: AudioFormat = { codec: 'L16', clockRate: 48_000 };
const PCMU: AudioFormat = { codec: 'PCMU', clockRate: 8_000 };

function audioFormat(payloadType: number, l16PayloadTypes: ReadonlySet<number>): AudioFormat | null {
  if (payloadType === PCMU_PAYLOAD_TYPE) return PCMU;
  return l16PayloadTypes.has(payloadType) ? L16 : null;
}

export type AudioPacketError = RtpParseError | 'unknown-payload-type' | 'odd-l16-length';

export type AudioPacketResult =
  | { ok: true; packet: RtpPacket; format: AudioFormat; levelDbfs: number }
  | { ok: false; reason: AudioPacketError };

/** Never throws: an RTP audio datagram becomes its packet and signal level, or the reason it was refused. */
export function decodeAudioPacket(bytes: Uint8Array, l16PayloadTypes: ReadonlySet<number>): AudioPacketResult {
  const parsed = parseRtp(bytes);
  if (!parsed.ok) return parsed;
  const { packet } = parsed;
  const format = audioFormat(packet.payloadType, l16PayloadTypes);
  if (!format) return { ok: false, reason: 'unknown-payload-type' };
  if (format.codec === 'L16') {
    if (packet.payload.length % 2 !== 0) return { ok: false, reason: 'odd-l16-length' };
    return { ok: true, packet, format, levelDbfs: l16LevelDbfs(packet.payload) };
  }
  return { ok: true, packet, format, levelDbfs: pcmuLevelDbfs(packet.payload) };
}
