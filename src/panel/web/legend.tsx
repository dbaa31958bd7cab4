import { Icon } from './icons.js';
import { TONE_LABEL, TONES, type Tone } from './seat-look.js';

/** The key to the map, with how many seats are in each state now (a locked seat with a call counts in both). */
export function Legend({ counts }: { counts: ReadonlyMap<Tone, number> }) {
  return (
    <footer class="legend" aria-label="Map key" title="How many seats are in each state; a seat in two states (locked and calling) counts in both">
      {TONES.map((t) => (
        <span class={`legend-item${counts.get(t) ? '' : ' none'}`} key={t} data-legend={t}>
          <span class={`swatch tone-${t}`}>
            <Icon name={t} size={16} />
          </span>
          {TONE_LABEL[t]}
          <b>{counts.get(t) ?? 0}</b>
        </span>
      ))}
    </footer>
  );
}
