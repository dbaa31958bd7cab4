import { memo } from 'preact/compat';
import { useMemo } from 'preact/hooks';
import { Icon } from './icons.js';
import { seatLook } from './seat-look.js';
import type { Layout, LayoutRow, SeatSummary } from './wire.js';

/** At most this many rows stacked in one block: 50 rows make three blocks that fit 800 px. */
const MAX_ROWS_PER_BLOCK = 17;

function blocksOf(rows: LayoutRow[]): LayoutRow[][] {
  const n = Math.ceil(rows.length / MAX_ROWS_PER_BLOCK);
  const per = Math.ceil(rows.length / n);
  return Array.from({ length: n }, (_, i) => rows.slice(i * per, (i + 1) * per));
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
  const blocks = useMemo(() => blocksOf(layout.rows), [layout]);
  const cols = layout.columns;
  const template = `3.2em ${cols.map((c) => (c ? 'minmax(0, 1fr)' : '0.9em')).join(' ')}`;
  return (
    <section class="seat-map" aria-label="Seat map">
      {blocks.map((rows, b) => (
        <div class="block" key={b} role="grid" aria-label={`Rows ${rows[0]!.row} to ${rows.at(-1)!.row}`} style={{ gridTemplateColumns: template, gridTemplateRows: `1.6em repeat(${rows.length}, minmax(0, 1fr))` }}>
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
                {zoneStart && <span class="zone-tag">{r.zone}</span>}
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
