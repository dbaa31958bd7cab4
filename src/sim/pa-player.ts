import { setTimeout as sleep } from 'node:timers/promises';
import { PCMU_PAYLOAD_TYPE, type AudioCodec } from '../../protocols/rtp/audio.js';
import { linearToMulaw } from '../../protocols/rtp/g711.js';
import { l16LevelDbfs, pcmuLevelDbfs } from '../../protocols/rtp/level.js';
import { encodeRtp } from '../../protocols/rtp/packet.js';
import { seededRandom } from '../../core/random.js';
import { multicastSender } from '../../core/udp.js';

export interface PaPlayerOptions {
  group: string;
  port: number;
  durationMs: number;
  /** L16 48 kHz mono (default) or PCMU 8 kHz. */
  codec?: AudioCodec;
  /** Default 96 for L16, 0 for PCMU. */
  payloadType?: number;
  /** 'voice' (default): speech-like syllables and words; 'silence': line hiss far under any PA threshold. */
  signal?: 'voice' | 'silence';
  /** A packet at this level or above counts as audible for firstAudibleAt; default -45, the detector's default. */
  audibleDbfs?: number;
  /** The interface multicast leaves by: keep 127.0.0.1 anywhere but an aircraft. */
  interfaceAddress?: string;
  /** Same seed, same voice. */
  seed?: number;
  now?: () => number;
}

export interface PaPlayback {
  readonly done: Promise<{ packets: number; firstAudibleAt: number | null }>;
  /** Monotonic time the first audible packet was sent, null until then. */
  readonly firstAudibleAt: number | null;
  stop(): void;
}

const PACKET_MS = 20;

/** Plays a PA into a multicast group as real RTP, 20 ms packets paced in real time. */
export function playPa(opts: PaPlayerOptions): PaPlayback {
  const abort = new AbortController();
  const now = opts.now ?? (() => performance.now());
  let firstAudibleAt: number | null = null;

  const run = async () => {
    const codec = opts.codec ?? 'L16';
    const sampleRate = codec === 'L16' ? 48_000 : 8_000;
    const samplesPerPacket = (sampleRate * PACKET_MS) / 1000;
    const payloadType = opts.payloadType ?? (codec === 'L16' ? 96 : PCMU_PAYLOAD_TYPE);
    const audible = opts.audibleDbfs ?? -45;
    const next = opts.signal === 'silence' ? hiss(opts.seed) : voiceSignal(sampleRate, opts.seed);
    const ssrc = (Math.random() * 2 ** 32) >>> 0;
    const firstSeq = Math.floor(Math.random() * 0x10000);
    const firstTs = (Math.random() * 2 ** 32) >>> 0;
    const total = Math.ceil(opts.durationMs / PACKET_MS);

    const socket = await multicastSender(opts.interfaceAddress ?? '127.0.0.1', 1);
    let sent = 0;
    try {
      const start = now();
      for (; sent < total && !abort.signal.aborted; sent++) {
        // Paced against the start time, not the previous packet, so timer lateness does not accumulate.
        const wait = start + sent * PACKET_MS - now();
        if (wait > 0) await sleep(wait, undefined, { signal: abort.signal });
        const samples = Float64Array.from({ length: samplesPerPacket }, next);
        const payload = codec === 'L16' ? l16(samples) : Uint8Array.from(samples, linearToMulaw);
        const header = { payloadType, marker: sent === 0, sequence: firstSeq + sent, timestamp: firstTs + sent * samplesPerPacket, ssrc };
        const level = codec === 'L16' ? l16LevelDbfs(payload) : pcmuLevelDbfs(payload);
        // Recorded before sending: on loopback the receiver may act on it before send() calls back.
        if (firstAudibleAt === null && level >= audible) firstAudibleAt = now();
        await new Promise<void>((resolve, reject) =>
          socket.send(encodeRtp(header, payload), opts.port, opts.group, (err) => (err ? reject(err) : resolve())),
        );
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      socket.close();
    }
    return { packets: sent, firstAudibleAt };
  };

  const done = run();
  return {
    done,
    get firstAudibleAt() {
      return firstAudibleAt;
    },
    stop: () => abort.abort(),
  };
}

function l16(samples: Float64Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => out.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(s))), 2 * i));
  return out;
}

/**
 * A speech-like signal: a gliding pitch with falling harmonics, shaped into
 * syllables of 120-280 ms, grouped into words of 2-5 syllables. The pauses
 * between words (150-700 ms) are shorter than a PA hang-over, as in speech.
 */
export function voiceSignal(sampleRate: number, seed = 1): () => number {
  const rand = seededRandom(seed);
  const harmonics = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => ({ k, gain: 1 / k }));
  const norm = 0.5 * 32767 / harmonics.reduce((sum, h) => sum + h.gain, 0); // peaks at -6 dBFS
  let phase = 0;
  let pitch = 140;
  let pos = 0;
  let length = 0;
  let syllablesLeft = 0;
  let sounding = false;

  return () => {
    if (pos >= length) {
      pos = 0;
      if (sounding) {
        sounding = false;
        length = (syllablesLeft > 0 ? 0.03 + 0.05 * rand() : 0.15 + 0.55 * rand()) * sampleRate;
      } else {
        if (syllablesLeft === 0) syllablesLeft = 2 + Math.floor(4 * rand());
        syllablesLeft--;
        sounding = true;
        length = (0.12 + 0.16 * rand()) * sampleRate;
        pitch = 100 + 80 * rand();
      }
    }
    const x = pos++ / length;
    if (!sounding) return 0;
    phase += (2 * Math.PI * pitch * (1 + 0.1 * (0.5 - x))) / sampleRate; // a slight fall across each syllable
    let s = 0;
    for (const { k, gain } of harmonics) if (k * pitch < sampleRate / 2) s += gain * Math.sin(k * phase);
    return norm * Math.sin(Math.PI * x) ** 2 * s;
  };
}

/** Line hiss at about -65 dBFS: not digital zero, so the threshold is what keeps it from being a PA. */
function hiss(seed = 1): () => number {
  const rand = seededRandom(seed);
  return () => 32 * (2 * rand() - 1);
}

