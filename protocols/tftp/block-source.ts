import type { FileHandle } from 'node:fs/promises';
import { writeDataHeader } from './codec.js';

/** Each disk read fetches at least this much, so lockstep at a small blksize does not cost one read per block. */
const MIN_CHUNK_BYTES = 128 * 1024;
/** readv takes at most IOV_MAX (1024) buffers. */
const MAX_CHUNK_BLOCKS = 1024;

interface Slot {
  /** Chunk index held or being read; -1 when empty. */
  chunk: number;
  buf: Buffer | undefined;
  /** Payload areas of `buf`, one per block, for readv. */
  iov: Buffer[];
  loading: Promise<void> | undefined;
  ready: boolean;
}

/**
 * A file as ready-made DATA packets. Blocks are read in chunks of at least two
 * windows straight into packet-shaped buffers (a 4-byte header before each
 * payload), so a send is one view and no copy. Two chunk slots: the one being
 * sent and the next, read ahead while the client acknowledges. A slot is
 * reused only once all its blocks are acknowledged (a retransmission starts
 * after the last acknowledged block, so it never needs an evicted chunk), and
 * its buffer is overwritten only if `sendsIdle()` says no send still reads it.
 */
export class BlockSource {
  readonly lastBlock: number;
  readonly #handle: FileHandle;
  readonly #size: number;
  readonly #blksize: number;
  readonly #chunkBlocks: number;
  readonly #sendsIdle: () => boolean;
  readonly #slots: [Slot, Slot];
  #acked = 0;

  constructor(handle: FileHandle, size: number, blksize: number, windowsize: number, sendsIdle: () => boolean) {
    this.#handle = handle;
    this.#size = size;
    this.#blksize = blksize;
    this.#sendsIdle = sendsIdle;
    // A file whose size is a multiple of blksize ends with an empty block.
    this.lastBlock = Math.floor(size / blksize) + 1;
    // Two windows per chunk: the read of the next chunk starts (when this one's
    // predecessor is fully acknowledged) at least a window's round trip before
    // the sender reaches it.
    const readAhead = Math.max(2 * windowsize, Math.min(MAX_CHUNK_BLOCKS, Math.ceil(MIN_CHUNK_BYTES / blksize)));
    this.#chunkBlocks = Math.min(readAhead, this.lastBlock);
    const empty = (): Slot => ({ chunk: -1, buf: undefined, iov: [], loading: undefined, ready: false });
    this.#slots = [empty(), empty()];
  }

  /** The DATA packet of `block` (1-based), header included, if it is in memory. */
  packet(block: number): Buffer | undefined {
    const slot = this.#slotOf(Math.floor((block - 1) / this.#chunkBlocks));
    if (!slot?.ready || !slot.buf) return undefined;
    const offset = ((block - 1) % this.#chunkBlocks) * (this.#blksize + 4);
    const length = Math.min(this.#blksize, this.#size - (block - 1) * this.#blksize);
    return slot.buf.subarray(offset, offset + 4 + length);
  }

  /** Resolves once `block` is in memory; rejects if the file cannot be read (or shrank). */
  load(block: number): Promise<void> {
    const chunk = Math.floor((block - 1) / this.#chunkBlocks);
    const held = this.#slotOf(chunk);
    if (held) return held.loading ?? Promise.resolve();
    const slot = this.#freeSlot();
    if (!slot) return Promise.reject(new Error(`no free read-ahead slot for block ${block}`));
    return this.#fill(slot, chunk);
  }

  /** Blocks up to `acked` will not be sent again; reads the next chunk ahead if a slot is free. */
  release(acked: number): void {
    this.#acked = acked;
    const highest = Math.max(this.#slots[0].chunk, this.#slots[1].chunk);
    const next = highest + 1;
    if (highest < 0 || next * this.#chunkBlocks >= this.lastBlock || this.#slotOf(next)) return;
    const slot = this.#freeSlot();
    // A failed read-ahead is reported by the load() that needs the chunk.
    if (slot) this.#fill(slot, next).catch(() => {});
  }

  #slotOf(chunk: number): Slot | undefined {
    const [a, b] = this.#slots;
    return a.chunk === chunk ? a : b.chunk === chunk ? b : undefined;
  }

  #freeSlot(): Slot | undefined {
    return this.#slots.find(
      (s) => s.chunk < 0 || (s.loading === undefined && (s.chunk + 1) * this.#chunkBlocks <= this.#acked),
    );
  }

  #fill(slot: Slot, chunk: number): Promise<void> {
    const stride = this.#blksize + 4;
    if (!slot.buf || !this.#sendsIdle()) {
      // A queued send may still read the old buffer: leave it to the GC.
      const buf = Buffer.allocUnsafeSlow(this.#chunkBlocks * stride);
      slot.buf = buf;
      slot.iov = Array.from({ length: this.#chunkBlocks }, (_, i) => buf.subarray(i * stride + 4, (i + 1) * stride));
    }
    const buf = slot.buf;
    const first = chunk * this.#chunkBlocks + 1;
    const count = Math.min(this.#chunkBlocks, this.lastBlock - first + 1);
    for (let i = 0; i < count; i++) writeDataHeader(buf, i * stride, first + i);
    const position = (first - 1) * this.#blksize;
    const expected = Math.min(count * this.#blksize, this.#size - position);
    slot.chunk = chunk;
    slot.ready = false;
    const loading = (async () => {
      if (expected > 0) {
        const { bytesRead } = await this.#handle.readv(count === slot.iov.length ? slot.iov : slot.iov.slice(0, count), position);
        if (bytesRead < expected) throw new Error('file shrank while being sent');
      }
      slot.ready = true;
      slot.loading = undefined;
    })();
    slot.loading = loading;
    return loading;
  }
}
