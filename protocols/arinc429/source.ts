import { Observable, share } from 'rxjs';
import type { FramedItem, FramingError, FramingErrorReason, WordFramer } from './framing.js';
import { decodeParameter, type DecodedParameter, type RefusalReason } from './parameter.js';
import { labelTable, type LabelTable } from './labels.js';
import type { Arinc429Word } from './word.js';

/**
 * The avionics side is read-only by design. This module is the whole of what
 * the decoder holds of the port, and its input types have no write method:
 * there is no code path from here towards the aircraft. The port itself must
 * also be opened read-only (docs/avionics.md, "Read-only guarantee"), so
 * that even a bug elsewhere in the process cannot transmit on it.
 */

/** What a readable stream offers, and nothing more: no write, no end, no pipe. */
export interface ReadOnlyByteStream {
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
}

export type ByteInput = ReadOnlyByteStream | Observable<Uint8Array>;

export type SourceEvent =
  | { kind: 'parameter'; parameter: DecodedParameter; word: Arinc429Word }
  | { kind: 'refused'; reason: RefusalReason; word: Arinc429Word }
  | { kind: 'framing-error'; error: FramingError };

export interface SourceCounters {
  chunks: number;
  bytes: number;
  /** Whole words the framer produced. */
  words: number;
  /** Words used as data. */
  decoded: number;
  framingErrors: Partial<Record<FramingErrorReason, number>>;
  /** Words refused, by reason: bad parity, each SSM, unknown label, out of range. */
  refused: Partial<Record<RefusalReason, number>>;
}

export interface ReadOnlyAvionicsSource {
  /** Hot once subscribed: the first subscriber attaches to the bytes, the last one detaches. */
  readonly events$: Observable<SourceEvent>;
  counters(): SourceCounters;
}

export interface ReadOnlyAvionicsSourceOptions {
  framer: WordFramer;
  labels?: LabelTable;
}

export function readOnlyAvionicsSource(input: ByteInput, options: ReadOnlyAvionicsSourceOptions): ReadOnlyAvionicsSource {
  const table = options.labels ?? labelTable();
  const counters: SourceCounters = { chunks: 0, bytes: 0, words: 0, decoded: 0, framingErrors: {}, refused: {} };
  const bytes$ = input instanceof Observable ? input : fromReadOnlyStream(input);

  const toEvents = (item: FramedItem): SourceEvent => {
    if (item.kind === 'error') {
      counters.framingErrors[item.error.reason] = (counters.framingErrors[item.error.reason] ?? 0) + 1;
      return { kind: 'framing-error', error: item.error };
    }
    counters.words++;
    const r = decodeParameter(item.raw, table);
    if (!r.ok) {
      counters.refused[r.reason] = (counters.refused[r.reason] ?? 0) + 1;
      return { kind: 'refused', reason: r.reason, word: r.word };
    }
    counters.decoded++;
    return { kind: 'parameter', parameter: r.parameter, word: r.word };
  };

  const events$ = new Observable<SourceEvent>((sub) =>
    bytes$.subscribe({
      next: (chunk) => {
        counters.chunks++;
        counters.bytes += chunk.length;
        for (const item of options.framer.push(chunk)) sub.next(toEvents(item));
      },
      error: (e: unknown) => sub.error(e),
      complete: () => sub.complete(),
    }),
  ).pipe(share());

  return {
    events$,
    counters: () => ({ ...counters, framingErrors: { ...counters.framingErrors }, refused: { ...counters.refused } }),
  };
}

/** A read-only stream as an Observable of byte chunks; unsubscribing removes the listeners (and closes nothing). */
export function fromReadOnlyStream(stream: ReadOnlyByteStream): Observable<Uint8Array> {
  return new Observable<Uint8Array>((sub) => {
    const onData = (chunk: Uint8Array | string): void => sub.next(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    const onError = (err: Error): void => sub.error(err);
    const onEnd = (): void => sub.complete();
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    return () => {
      stream.off('data', onData);
      stream.off('error', onError);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
    };
  });
}
