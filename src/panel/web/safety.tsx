import { useState } from 'preact/hooks';
import { Dialog } from './dialog.js';
import { clock } from './time.js';
import type { Act } from './use-act.js';
import type { Entity } from './wire.js';

/** What the safety entity's attributes carry (src/channels/safety-video.ts SafetyStatus). */
interface SafetyAttrs {
  name?: string;
  position?: number | null;
  onAir?: boolean;
  pausedFor?: string | null;
  startedAt?: number | null;
  startedBy?: string | null;
  reason?: string;
  delivery?: { targeted: number; acked: number; watching: number; offline: number; pending: string[] } | null;
  lastEnd?: { at: number; reason: 'finished' | 'stopped'; by: string } | null;
}

const TOUCH = { minHeight: '44px', minWidth: '44px', padding: '8px 16px', fontSize: '1rem' } as const;
const STATE_COLOUR: Record<string, string> = { 'on-air': '#1f8a3b', playing: '#1f8a3b', starting: '#b07a00', paused: '#b07a00', idle: '#666', 'source-missing': '#b3261e', down: '#b3261e' };
const STATE_TEXT: Record<string, string> = { 'on-air': 'On air', starting: 'Starting', 'source-missing': 'File missing', down: 'Down', playing: 'Playing', paused: 'Paused', idle: 'Ready' };

/** `panel:crew` / `panel:alice` are principal names; the crew read `crew` / `alice`. */
const who = (by: string) => by.replace(/^panel:/, '');

function Badge({ state }: { state: string }) {
  return (
    <span data-state={state} style={{ background: STATE_COLOUR[state] ?? '#666', color: '#fff', borderRadius: '4px', padding: '2px 8px', fontSize: '0.85rem', whiteSpace: 'nowrap' }}>
      {STATE_TEXT[state] ?? state}
    </span>
  );
}

/**
 * The broadcast channels with their on-air state, and the safety video: play
 * and stop (each confirmed), its progress, its live delivery seat by seat
 * (acknowledged, then really receiving its stream), and its pause for a PA
 * (while it lasts, the seats hear the PA, so `paSeats` says how many).
 */
export function SafetyPanel({ entities, paSeats, act }: { entities: ReadonlyMap<string, Entity>; paSeats: number; act: Act }) {
  const [confirm, setConfirm] = useState<'play' | 'stop' | null>(null);
  const channels = [...entities.values()].filter((e) => e.kind === 'channel').sort((a, b) => a.id.localeCompare(b.id));
  const safety = [...entities.values()].find((e) => e.kind === 'safety');
  if (!safety && channels.length === 0) return null;
  const a = (safety?.attributes ?? {}) as SafetyAttrs;
  const running = safety?.state === 'playing' || safety?.state === 'paused';
  const can = safety && (safety.state === 'idle' || running);
  const d = a.delivery ?? null;
  const pct = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 100) : 0);
  const go = (what: 'play' | 'stop') => {
    setConfirm(null);
    act.post(`/api/v1/safety/${what}`);
  };

  return (
    <section class="safety-panel" aria-label="Safety video and channels" data-testid="safety-panel" style={{ display: 'grid', gap: '8px', padding: '8px 0' }}>
      {safety && (
        <div data-entity={safety.id} style={{ display: 'grid', gap: '6px' }}>
          <div style={{ display: 'flex', alignItems: 'center', gap: '8px', justifyContent: 'space-between' }}>
            <strong>{a.name ?? 'Safety video'}</strong>
            <Badge state={safety.state} />
          </div>
          {safety.state === 'paused' && a.pausedFor && (
            <div role="status" class="safety-paused" data-testid="safety-paused">
              Paused for the {a.pausedFor} PA: it resumes where it stopped when the PA ends.
            </div>
          )}
          {running && (
            <div aria-label="progress" style={{ height: '10px', background: '#ddd', borderRadius: '5px', overflow: 'hidden' }}>
              <div data-testid="safety-progress" style={{ width: `${Math.round((a.position ?? 0) * 100)}%`, height: '100%', background: '#1f6fb3' }} />
            </div>
          )}
          {running && a.startedAt && <small data-testid="safety-started">Started {clock(a.startedAt)}{a.startedBy ? ` by ${who(a.startedBy)}` : ''}</small>}
          {running && d && (
            <div data-testid="safety-delivery" style={{ fontSize: '0.9rem' }}>
              {/* During a PA the seats play the PA, not the video: "0 receiving" would read as a failure. */}
              {a.pausedFor ? (
                <div>
                  <b>{paSeats}</b>/{d.targeted} seats on the PA, {d.acked} acknowledged
                  {d.offline > 0 && <>, {d.offline} offline</>}
                </div>
              ) : (
                <div>
                  <b>{d.watching}</b>/{d.targeted} seats receiving ({pct(d.watching, d.targeted)}%), {d.acked} acknowledged
                  {d.offline > 0 && <>, {d.offline} offline</>}
                </div>
              )}
              {d.pending.length > 0 && <small>waiting: {d.pending.join(' ')}{d.acked + d.pending.length < d.targeted ? ' …' : ''}</small>}
            </div>
          )}
          {(safety.state === 'down' || safety.state === 'source-missing') && <small>{a.reason ?? (safety.state === 'down' ? 'VLC is not running' : 'the safety video file is missing')}</small>}
          {!running && a.lastEnd && <small>Last showing {a.lastEnd.reason === 'finished' ? 'played to its end' : `stopped by ${who(a.lastEnd.by)}`} at {clock(a.lastEnd.at)}.</small>}
          <div style={{ display: 'flex', gap: '8px' }}>
            <button type="button" class="action" style={TOUCH} disabled={!can} data-action="safety-play" onClick={() => setConfirm('play')}>
              {running ? 'Restart safety video' : 'Play safety video'}
            </button>
            <button type="button" class="action" style={TOUCH} disabled={!running} data-action="safety-stop" onClick={() => setConfirm('stop')}>
              Stop
            </button>
          </div>
        </div>
      )}
      {channels.length > 0 && (
        <ul aria-label="Channels" style={{ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: '4px' }}>
          {channels.map((c) => (
            <li key={c.id} data-entity={c.id} style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', minHeight: '32px', gap: '8px' }}>
              <span>{c.name ?? c.id}</span>
              <Badge state={c.state} />
            </li>
          ))}
        </ul>
      )}
      {confirm && (
        <Dialog title={confirm === 'play' ? 'Play the safety video?' : 'Stop the safety video?'} onClose={() => setConfirm(null)}>
          <p>
            {confirm === 'play'
              ? 'Every screen in the cabin switches to the safety video from its beginning, locked until it ends.'
              : 'Every screen is released and passengers get their own programme back.'}
          </p>
          <div style={{ display: 'flex', gap: '8px', justifyContent: 'flex-end' }}>
            <button type="button" class="action" style={TOUCH} onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button type="button" class="action primary" style={TOUCH} data-action={`safety-${confirm}-confirm`} onClick={() => go(confirm)}>
              {confirm === 'play' ? 'Play to every seat' : 'Stop and release seats'}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
