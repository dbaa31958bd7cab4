import { commandText, targetText } from './commands-text.js';
import { ago } from './time.js';
import type { CommandStatus } from './wire.js';

const SHOWN = 4;

function progressText(c: CommandStatus): string {
  const waiting = c.pending.length - c.offline.length;
  switch (c.state) {
    case 'delivered':
      return `Done: all ${c.targeted} seats${c.deliveredAt ? ` in ${((c.deliveredAt - c.at) / 1000).toFixed(1)} s` : ''}`;
    case 'incomplete':
      return `${c.acked} of ${c.targeted} done · not answering: ${c.pending.slice(0, 6).join(' ')}${c.pending.length > 6 ? ' …' : ''}`;
    case 'expired':
      return `Expired: ${c.acked} of ${c.targeted} done`;
    default:
      return `${c.acked} of ${c.targeted} done · ${waiting} pending · ${c.offline.length} offline`;
  }
}

export function Delivery({ c, now }: { c: CommandStatus; now: number }) {
  const pct = (n: number) => `${c.targeted ? (100 * n) / c.targeted : 0}%`;
  const waiting = c.pending.length - c.offline.length;
  return (
    <li class={`delivery state-${c.state}`} data-seq={c.seq} data-state={c.state} data-cmd={c.cmd}>
      <div class="delivery-head">
        <b>
          {commandText(c)} · {targetText(c.target)}
        </b>
        <small>{ago(c.at, now)}</small>
      </div>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={c.targeted} aria-valuenow={c.acked} aria-label="Seats acknowledged">
        <span class="bar-acked" style={{ width: pct(c.acked) }} />
        <span class="bar-pending" style={{ width: pct(waiting) }} />
        <span class="bar-offline" style={{ width: pct(c.offline.length) }} />
      </div>
      <small class="delivery-text">{progressText(c)}</small>
    </li>
  );
}

/** Each action the crew took, live: how many seats have it, which are still waiting or offline. */
export function Deliveries({ commands, now }: { commands: ReadonlyMap<number, CommandStatus>; now: number }) {
  const recent = [...commands.values()].sort((a, b) => b.seq - a.seq).slice(0, SHOWN);
  return (
    <section class="deliveries" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Sent to seats</h2>
      {recent.length === 0 ? (
        <p class="quiet">Actions you take show here until every seat has them.</p>
      ) : (
        <ul>
          {recent.map((c) => (
            <Delivery key={c.seq} c={c} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}
