import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { Icon } from './icons.js';
import { ago, clock } from './time.js';
import type { Act } from './use-act.js';
import type { PendingMove, Role } from './wire.js';

interface Props {
  seat: string;
  /** The seat's summary and its move alerts' ids: when either changes a claim may have been made or settled, and the claims are loaded again. */
  summary: unknown;
  alertKey: string;
  role: Role | null;
  now: number;
  act: Act;
}

const who = (by: string) => by.replace(/^panel:/, '');

/** What a decided claim is waiting for, in words. */
function decided(m: PendingMove): string {
  const d = m.decision!;
  return d.kind === 'confirmed'
    ? `Confirmed by ${who(d.by)} at ${clock(d.at)}: the unit is fitted here at its next poll.`
    : `Rejected by ${who(d.by)} at ${clock(d.at)}: its polls from this seat are refused until ${clock(m.decidedUntil)}.`;
}

function Claim({ m, role, now, act, done }: { m: PendingMove; role: Role | null; now: number; act: Act; done: () => void }) {
  // Deciding asks twice, as a reboot does: a wrong confirm puts a stranger's unit in this seat.
  const [arming, setArming] = useState<'confirm' | 'reject' | null>(null);
  const technician = role === 'technician';
  const decide = (d: 'confirm' | 'reject') => {
    if (arming !== d) return setArming(d);
    setArming(null);
    act.post(`/api/v1/moves/${encodeURIComponent(m.seat)}/${d}`, { serial: m.serial }, 'technician', done);
  };
  return (
    <div class="move-claim" role="group" aria-label={`Unit ${m.serial} claims seat ${m.seat}`} data-testid="move-claim" data-serial={m.serial} data-decision={m.decision?.kind ?? 'waiting'}>
      <Icon name="swap" size={26} />
      <div class="move-claim-text">
        <b>
          Unit {m.serial} claims this seat{m.decision ? '' : ': held'}
        </b>
        <span>
          Since {clock(m.firstAt)} · last tried {ago(m.lastAt, now)}
        </span>
        <span>
          {m.holder ? `This seat's unit: ${m.holder}` : 'No unit fitted here'}
          {m.reason === 'seat-held' && m.holder ? ', answering when the claim came' : ''} · {m.fromSeat ? `${m.serial} is installed at seat ${m.fromSeat}` : `${m.serial} is not installed at any seat`}
          {m.reason === 'installed-elsewhere' && m.fromSeat ? ', which was online' : ''}
        </span>
        {m.decision ? <span class="move-decided">{decided(m)}</span> : <span>Its polls are refused until a technician confirms it was fitted here, or rejects it.</span>}
      </div>
      {!m.decision && (
        <div class="move-claim-actions">
          <button type="button" class={`action${arming === 'confirm' ? ' on' : ''}`} disabled={!technician} onClick={() => decide('confirm')} data-action="confirm-move">
            {arming === 'confirm' ? `Tap again: fit ${m.serial} here` : 'Confirm move'}
          </button>
          <button type="button" class={`action danger${arming === 'reject' ? ' on' : ''}`} disabled={!technician} onClick={() => decide('reject')} data-action="reject-move">
            {arming === 'reject' ? `Tap again: refuse ${m.serial}` : 'Reject'}
          </button>
          {!technician && (
            <p class="hint" data-testid="technician-only">
              Technician only.{' '}
              <button type="button" class="small-button" onClick={() => act.askLogin({ role: 'technician', note: 'Confirming or rejecting a unit move needs a technician PIN.' })} data-action="technician-login">
                Technician PIN
              </button>
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * Units claiming this seat while another unit holds it (docs/protocol.md, LRU
 * moves), from GET /api/v1/moves, and the technician's Confirm / Reject. A
 * claim made by this seat's own unit on another seat is named in one line.
 */
export function MoveClaims({ seat, summary, alertKey, role, now, act }: Props) {
  const [moves, setMoves] = useState<PendingMove[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    api.get<{ moves: PendingMove[] }>('/api/v1/moves').then(
      (r) => live && (setMoves(r.moves), setError(null)),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [seat, summary, alertKey, tick]);
  const here = moves.filter((m) => m.seat === seat);
  const away = moves.filter((m) => m.seat !== seat && m.fromSeat === seat && m.decision === null);
  if (here.length === 0 && away.length === 0 && !error) return null;
  return (
    <>
      {here.map((m) => (
        <Claim key={m.serial} m={m} role={role} now={now} act={act} done={reload} />
      ))}
      {away.map((m) => (
        <p class="hint" key={m.seat + m.serial} data-testid="move-claim-away">
          This seat's unit {m.serial} claims seat {m.seat} (held for a technician since {clock(m.firstAt)}).
        </p>
      ))}
      {error && <p class="login-error">Could not load the unit claims: {error}</p>}
    </>
  );
}
