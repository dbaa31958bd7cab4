import { zoneLabel, type Layout, type Target } from './wire.js';

export type TargetKey = 'all' | `zone:${string}`;

export function targetOf(key: TargetKey): Target {
  return key === 'all' ? { all: true } : { zones: [key.slice(5)] };
}

function rowsOf(layout: Layout, zone: string): string {
  const rows = layout.rows.filter((r) => r.zone === zone).map((r) => r.row);
  return rows.length ? `rows ${rows[0]}–${rows.at(-1)}` : '';
}

/** Whole cabin or one zone, as big toggle buttons. */
export function TargetPicker({ layout, value, onChange }: { layout: Layout; value: TargetKey; onChange: (k: TargetKey) => void }) {
  const options: [TargetKey, string, string][] = [['all', 'Whole cabin', `${layout.seats} seats`], ...layout.zones.map((z): [TargetKey, string, string] => [`zone:${z}`, zoneLabel(layout, z), rowsOf(layout, z)])];
  return (
    <div class="segmented" role="radiogroup" aria-label="Which seats">
      {options.map(([k, label, sub]) => (
        <button type="button" role="radio" aria-checked={value === k} class={value === k ? 'seg on' : 'seg'} key={k} onClick={() => onChange(k)}>
          <span>
            {value === k && '✓ '}
            {label}
          </span>
          <small>{sub}</small>
        </button>
      ))}
    </div>
  );
}
