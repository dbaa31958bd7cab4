import { ago, renderTable } from './table.js';

export interface HealthEntry {
  state: string;
  detail?: string;
  /** Wall ms on the head-end's clock. */
  since: number;
}

/** GET /api/v1/health, running or starting (src/systemd/early-http.ts answers the latter). */
export interface HealthAnswer {
  state: 'running' | 'starting';
  status: string;
  /** The head-end's wall clock when it answered; absent from controllers before it was sent. */
  now?: number;
  services?: Record<string, HealthEntry>;
  seats?: { total: number; online: number };
  clock?: { state: string; jumps?: number; lastJumpMs?: number | null; lastJumpAt?: number | null; seatOffsetMs?: number | null; seatsUsed?: number };
  checking?: string[];
}

/** A signed duration in words: "+3.2 s", "-2 min", for clock offsets and jumps. */
function signed(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 90_000) return `${sign}${(a / 1000).toFixed(1)} s`;
  if (a < 5_400_000) return `${sign}${Math.round(a / 60_000)} min`;
  return `${sign}${(a / 3_600_000).toFixed(1)} h`;
}

/** The head-end's clock in one line: its state, the seats' verdict, the last jump. */
export function clockLine(c: NonNullable<HealthAnswer['clock']>, now: number): string {
  const parts = [`head-end clock: ${c.state}`];
  parts.push(typeof c.seatOffsetMs === 'number' ? `${signed(c.seatOffsetMs)} from the seats' consensus (${c.seatsUsed ?? 0} seats)` : 'no verdict from the seats yet (fewer than 3 online)');
  const jumps = c.jumps ?? 0;
  if (jumps === 0) parts.push('no jumps');
  else parts.push(`${jumps} jump${jumps === 1 ? '' : 's'}, the last ${typeof c.lastJumpMs === 'number' ? signed(c.lastJumpMs) : '?'}${typeof c.lastJumpAt === 'number' ? ` ${ago(c.lastJumpAt, now)}` : ''}`);
  return parts.join('; ');
}

/**
 * What `purser health` prints: each service with its state, how long ago it
 * entered it and why, then the seats and the clock. Ages are read against the
 * head-end's own clock (`now` in the answer), so a CLI on a laptop whose clock
 * is off still reads "3 min ago" right.
 */
export function healthText(h: HealthAnswer, readerNow = Date.now()): string {
  if (h.state === 'starting') return `the controller is starting; still checking: ${(h.checking ?? []).join(', ') || 'nothing'}`;
  const now = h.now ?? readerNow;
  const services = h.services ?? {};
  const names = Object.keys(services).sort();
  const rows = names.map((n) => {
    const s = services[n]!;
    return [n, s.state, ago(s.since, now), s.detail ?? ''];
  });
  const lines = [renderTable(['SERVICE', 'STATE', 'SINCE', 'DETAIL'], rows), ''];
  const bad = names.filter((n) => services[n]!.state !== 'ok');
  lines.push(`status: ${h.status}${bad.length ? ` (${bad.map((n) => `${n} ${services[n]!.state}`).join(', ')})` : ''}`);
  if (h.seats) lines.push(`seats: ${h.seats.online} of ${h.seats.total} online`);
  if (h.clock) lines.push(clockLine(h.clock, now));
  return lines.join('\n');
}
