import type { ComponentChildren } from 'preact';
import { Icon } from './icons.js';
import type { Conn } from './state.js';
import { clock } from './time.js';
import type { PaHeard } from './state.js';
import type { Alert, SessionView } from './wire.js';

interface Props {
  conn: Conn;
  online: number;
  total: number;
  alerts: ReadonlyMap<string, Alert>;
  pa: PaHeard | null;
  paSeats: number;
  session: SessionView | null;
  now: number;
  onLogin: () => void;
  onLogout: () => void;
  /** Opens a seat: tapping the calls goes to the passenger waiting longest. */
  onSeat: (seat: string) => void;
  /** More status, e.g. the systems summary. */
  children?: ComponentChildren;
}

const CONN_TEXT: Record<Conn, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

/** The strip a purser glances at: is it live, how many seats, is anyone calling, is PA on, who is logged in. */
export function TopBar({ conn, online, total, alerts, pa, paSeats, session, now, onLogin, onLogout, onSeat, children }: Props) {
  let calls = 0;
  let unacked = 0;
  let longest: Alert | undefined;
  const newCalls: string[] = [];
  for (const a of alerts.values()) {
    if (a.kind === 'call') {
      calls++;
      if (!longest || a.since < longest.since) longest = a;
      if (!a.ackedAt) newCalls.push(a.seat);
    }
    if (!a.ackedAt) unacked++;
  }
  return (
    <header class="top-bar">
      <span class={`conn conn-${conn}`} role="status" data-conn={conn}>
        <span class="conn-dot" aria-hidden="true" />
        {CONN_TEXT[conn]}
      </span>
      <span class="stat" data-testid="online">
        <b>{online}</b>/{total} online
      </span>
      <button type="button" class={`stat calls${calls ? ' active' : ''}${newCalls.length ? ' flash' : ''}`} data-testid="calls" disabled={!longest} onClick={() => longest && onSeat(longest.seat)}>
        <Icon name="call" size={22} />
        <b>{calls}</b> {calls === 1 ? 'call' : 'calls'}
        {newCalls.length > 0 && <small>{newCalls.slice(0, 4).join(' ') + (newCalls.length > 4 ? ' …' : '')}</small>}
      </button>
      <span class={`stat alerts-count${unacked ? ' flash' : ''}`} data-testid="alert-count" aria-live="polite">
        <b>{alerts.size}</b> {alerts.size === 1 ? 'alert' : 'alerts'}
        {unacked > 0 && <small>{unacked} new</small>}
      </span>
      {(pa || paSeats > 0) && (
        <span class="stat pa-on" data-testid="pa-status">
          <Icon name="pa" size={22} />
          PA{pa ? ` · ${pa.source}` : ''} · {paSeats} seats
        </span>
      )}
      {children}
      <span class="spacer" />
      <time class="clock">{clock(now).slice(0, 5)}</time>
      {session?.name !== undefined && (
        <span class="session-who" data-testid="signed-in" title={`Signed in as ${session.name} (${session.role})`}>
          <span class="session-who-lead">Signed in as </span>
          <span class="session-who-name">{session.name}</span>
          <span>{` (${session.role})`}</span>
        </span>
      )}
      {session ? (
        <button type="button" class="session-button" onClick={onLogout} data-testid="logout">
          {session.name !== undefined ? 'Log out' : `${session.role === 'technician' ? 'Technician' : 'Crew'} · Log out`}
        </button>
      ) : (
        <button type="button" class="session-button primary" onClick={onLogin} data-testid="login">
          Log in
        </button>
      )}
    </header>
  );
}
