import { memo } from 'preact/compat';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { Icon } from './icons.js';
import { seatLook } from './seat-look.js';
import type { Layout, LayoutRow, SeatSummary } from './wire.js';

/** A seat is a touch target: never smaller than this, in px, whatever the screen. */
export const MIN_SEAT_PX = 32;
/** Grid gap, row-number column and aisle width in px (as the template below sets them). */
const GAP = 3;
const ROW_HEAD = 44;
const AISLE = 12;
const HEAD_ROW = 22;
const BLOCK_GAP = 14;

function split(rows: LayoutRow[], n: number): LayoutRow[][] {
  const per = Math.ceil(rows.length / n);
  return Array.from({ length: Math.ceil(rows.length / per) }, (_, i) => rows.slice(i * per, (i + 1) * per));
}

/**
 * How many side-by-side blocks the cabin wraps into: the fewest that fit the
 * height with seats at least MIN_SEAT_PX, but never more than the width
 * holds at that size. When even that is too tall (1024x600), the map
 * scrolls rather than shrink seats below a fingertip.
 */
export function blockCount(rowCount: number, columns: readonly string[], width: number, height: number): number {
  const seats = columns.filter(Boolean).length;
  const aisles = columns.length - seats;
  const blockWidth = ROW_HEAD + seats * MIN_SEAT_PX + aisles * AISLE + columns.length * GAP;
  const widest = Math.max(1, Math.floor((width + BLOCK_GAP) / (blockWidth + BLOCK_GAP)));
  const rowsThatFit = Math.max(1, Math.floor((height - HEAD_ROW) / (MIN_SEAT_PX + GAP)));
  return Math.max(1, Math.min(widest, Math.ceil(rowCount / rowsThatFit), rowCount));
}

/** The size of an element, kept current. */
function useSize<T extends HTMLElement>(): [RefObject<T>, { width: number; height: number } | null] {
  const ref = useRef<T>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      setSize((s) => (s && Math.abs(s.width - r.width) < 1 && Math.abs(s.height - r.height) < 1 ? s : { width: r.width, height: r.height }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

interface CellProps {
  id: string;
  summary: SeatSummary | undefined;
  calling: boolean;
  onOpen: (seat: string) => void;
}

/** One seat: redrawn only when its own summary or call changes. */
const SeatCell = memo(function SeatCell({ id, summary, calling, onOpen }: CellProps) {
  const look = seatLook(id, summary, calling);
  return (
    <button type="button" class={`seat tone-${look.tone}`} data-seat={id} data-tone={look.tone} aria-label={look.label} title={look.label} onClick={() => onOpen(id)}>
      <Icon name={look.tone} size={22} />
      {look.faultBadge && <span class="fault-badge" aria-hidden="true" />}
    </button>
  );
});

interface MapProps {
  layout: Layout;
  seats: ReadonlyMap<string, SeatSummary>;
  calls: ReadonlyMap<string, unknown>;
  onOpen: (seat: string) => void;
}

/**
 * The whole cabin at once, nose at the top, A on the left as on a crew seat
 * chart; long cabins wrap into side-by-side blocks. Aisles are gaps, zones a
 * coloured edge and a labelled divider.
 */
export function SeatMap({ layout, seats, calls, onOpen }: MapProps) {
  const [ref, size] = useSize<HTMLElement>();
  const cols = layout.columns;
  // Padding of .seat-map (8+6 vertical, 12+12 horizontal) is inside the measured box.
  const n = size ? blockCount(layout.rows.length, cols, size.width - 24, size.height - 14) : 3;
  const blocks = useMemo(() => split(layout.rows, n), [layout, n]);
  const template = `${ROW_HEAD}px ${cols.map((c) => (c ? `minmax(${MIN_SEAT_PX}px, 1fr)` : `${AISLE}px`)).join(' ')}`;
  const seatRow = `minmax(${MIN_SEAT_PX}px, 1fr)`;
  return (
    <section class="seat-map" aria-label="Seat map" ref={ref} data-blocks={blocks.length}>
      {blocks.map((rows, b) => (
        <div class="block" key={b} role="grid" aria-label={`Rows ${rows[0]!.row} to ${rows.at(-1)!.row}`} style={{ gridTemplateColumns: template, gridTemplateRows: `${HEAD_ROW}px repeat(${rows.length}, ${seatRow})` }}>
          <div class="corner" />
          {cols.map((c, i) => (
            <div class={c ? 'col-head' : 'aisle'} key={`h${i}`}>
              {c}
            </div>
          ))}
          {rows.map((r, i) => {
            const zoneStart = i === 0 || rows[i - 1]!.zone !== r.zone;
            return [
              <div class={`row-head zone-${layout.zones.indexOf(r.zone) % 4}${zoneStart ? ' zone-start' : ''}`} key={`r${r.row}`}>
                {zoneStart && (
                  <span class="zone-tag" title={layout.zoneNames?.[r.zone] ?? r.zone}>
                    {r.zone}
                  </span>
                )}
                {r.row}
              </div>,
              ...cols.map((c, ci) => {
                const id = `${r.row}${c}`;
                if (!c) return <div class="aisle" key={`${r.row}-a${ci}`} />;
                if (!r.places.includes(c)) return <div class="no-seat" key={id} />;
                return <SeatCell key={id} id={id} summary={seats.get(id)} calling={calls.has(id)} onOpen={onOpen} />;
              }),
            ];
          })}
        </div>
      ))}
    </section>
  );
}
