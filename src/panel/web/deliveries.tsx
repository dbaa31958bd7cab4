import { commandText, failedSeats, isCrewAction, targetText } from './commands-text.js';
import { ago } from './time.js';
import type { CommandStatus, Layout, SeatSummary } from './wire.js';

const SHOWN = 4;
/** Technician and automatic traffic: a few lines, under the crew's own. */
const SHOWN_OTHER = 3;

const few = (ids: string[]) => `${ids.slice(0, 6).join(' ')}${ids.length > 6 ? ' …' : ''}`;
const seatsWord = (n: number) => (n === 1 ? '1 seat' : `${n} seats`);

function progressText(c: CommandStatus, failed: string[]): string {
  const waiting = c.pending.length - c.offline.length;
  if (failed.length > 0) return `Failed at ${failed.length} of ${seatsWord(c.targeted)}: ${few(failed)}`;
  switch (c.state) {
    case 'delivered': {
      const took = c.deliveredAt ? ` in ${((c.deliveredAt - c.at) / 1000).toFixed(1)} s` : '';
      const all = c.targeted === 1 ? 'the seat' : `all ${c.targeted} seats`;
      // A firmware update delivered is received, not installed: installing may still fail.
      return c.cmd === 'firmware.update' ? `Received by ${all}${took} · installing` : `Done: ${all}${took}`;
    }
    case 'incomplete':
      return `${c.acked} of ${c.targeted} done · not answering: ${few(c.pending)}`;
    case 'expired':
      return `Expired: ${c.acked} of ${c.targeted} done`;
    default:
      return `${c.acked} of ${c.targeted} done · ${waiting} pending · ${c.offline.length} offline`;
  }
}

export function Delivery({ c, now, failed = [] }: { c: CommandStatus; now: number; failed?: string[] }) {
  const pct = (n: number) => `${c.targeted ? (100 * n) / c.targeted : 0}%`;
  const waiting = c.pending.length - c.offline.length;
  return (
    <li class={`delivery state-${failed.length ? 'failed' : c.state}`} data-seq={c.seq} data-state={c.state} data-outcome={failed.length ? 'failed' : c.state} data-cmd={c.cmd}>
      <div class="delivery-head">
        <b>
          {commandText(c)} · {targetText(c.target)}
        </b>
        <small>
          {ago(c.at, now)}
          {c.actor && <span class="delivery-by"> · by {c.actor.name}</span>}
        </small>
      </div>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={c.targeted} aria-valuenow={c.acked} aria-label="Seats acknowledged">
        <span class="bar-acked" style={{ width: pct(c.acked) }} />
        <span class="bar-pending" style={{ width: pct(waiting) }} />
        <span class="bar-offline" style={{ width: pct(c.offline.length) }} />
      </div>
      <small class="delivery-text">{progressText(c, failed)}</small>
    </li>
  );
}

/** Each action the crew took, live: how many seats have it, which are still waiting or offline; technician traffic apart. */
export function Deliveries({ commands, now, seats, layout }: { commands: ReadonlyMap<number, CommandStatus>; now: number; seats: ReadonlyMap<string, SeatSummary>; layout: Layout | null }) {
  const all = [...commands.values()].sort((a, b) => b.seq - a.seq);
  const crew = all.filter(isCrewAction).slice(0, SHOWN);
  const other = all.filter((c) => !isCrewAction(c)).slice(0, SHOWN_OTHER);
  return (
    <section class="deliveries" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Sent to seats</h2>
      <div class="deliveries-scroll">
        {crew.length === 0 ? (
          <p class="quiet">Actions you take show here until every seat has them.</p>
        ) : (
          <ul data-list="crew">
            {crew.map((c) => (
              <Delivery key={c.seq} c={c} now={now} failed={failedSeats(c, seats, layout)} />
            ))}
          </ul>
        )}
        {other.length > 0 && (
          <>
            <h3 class="deliveries-other">Technician and automatic</h3>
            <ul data-list="other" class="other">
              {other.map((c) => (
                <Delivery key={c.seq} c={c} now={now} failed={failedSeats(c, seats, layout)} />
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
