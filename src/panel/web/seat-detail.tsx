import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { faultInfo } from '../../alerts/fault-table.js';
import { MessageForm } from './action-dialogs.js';
import { MoveClaims } from './move-claims.js';
import { activeMessage } from './commands-text.js';
import { api } from './api.js';
import { Delivery } from './deliveries.js';
import { Dialog } from './dialog.js';
import { eventText } from './event-text.js';
import { Icon } from './icons.js';
import { seatLook, TONE_LABEL } from './seat-look.js';
import { seatLocked } from './target-state.js';
import { ago, clock, skew, waited } from './time.js';
import type { Act } from './use-act.js';
import { zoneLabel, type Alert, type CabinEvent, type CommandStatus, type Layout, type Role, type SeatDetail as Detail, type SeatSummary } from './wire.js';

type HistoryItem = { at: number; type: string; data: Record<string, unknown> };

/**
 * The controller stores events about once a second, so what it returns can lag
 * what this page has already seen live: show both, each event once.
 */
function mergeHistory(stored: Detail['events'], live: readonly CabinEvent[], seat: string): HistoryItem[] {
  const key = (e: HistoryItem) => `${e.type}|${e.at}|${String(e.data.detail ?? e.data.code ?? '')}`;
  const out = new Map<string, HistoryItem>();
  for (const e of stored) out.set(key(e), e);
  for (const { type, at, seat: s, ...data } of live) {
    if (s !== seat) continue;
    const item = { type, at, data };
    if (!out.has(key(item))) out.set(key(item), item);
  }
  return [...out.values()].sort((a, b) => b.at - a.at);
}

interface Props {
  id: string;
  summary: SeatSummary | undefined;
  alerts: Alert[];
  /** Commands sent to this seat alone, newest first. */
  commands: CommandStatus[];
  /** Every recent command and the standing orders (a cabin or zone message shows on this screen too). */
  allCommands: readonly CommandStatus[];
  layout: Layout | null;
  /** Cabin events seen live (all seats). */
  recent: readonly CabinEvent[];
  role: Role | null;
  now: number;
  act: Act;
  onClose: () => void;
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function media(d: Detail['seat']['media']): string {
  if (!d) return 'unknown';
  const item = d.item ? ` ${d.item}` : '';
  const vol = d.volume !== undefined ? ` · volume ${d.volume}` : '';
  return `${TONE_LABEL[d.state]}${d.state === 'playing' || d.state === 'paused' ? item : ''}${vol}`;
}

/** Everything about one seat, and what the crew can do to it. Reloads whenever the seat changes. */
export function SeatDetail({ id, summary, alerts, commands, allCommands, layout, recent, role, now, act, onClose }: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [composing, setComposing] = useState(false);
  const [confirmReboot, setConfirmReboot] = useState(false);
  const call = alerts.find((a) => a.kind === 'call');
  const look = seatLook(id, summary, call !== undefined);
  const message = activeMessage(allCommands, id, summary?.zone);
  const locked = seatLocked(id, summary, allCommands);
  const moveAlerts = alerts
    .filter((a) => a.kind === 'move')
    .map((a) => a.id)
    .join(' ');

  useEffect(() => {
    let live = true;
    api.get<Detail>(`/api/v1/seats/${encodeURIComponent(id)}`).then(
      (d) => live && (setDetail(d), setError(null)),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [id, summary]);
  const history = useMemo(() => mergeHistory(detail?.events ?? [], recent, id), [detail, recent, id]);

  const seat = detail?.seat;
  const target = { seats: [id] };
  const cmd = (c: string, args: Record<string, unknown> = {}, r: Role = 'crew') => act.command(target, c, args, r);
  const alertAction = (a: Alert, op: 'ack' | 'clear') => act.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/${op}`);

  return (
    <Dialog
      wide
      onClose={onClose}
      title={
        <span class="detail-title">
          Seat {id}
          <span class={`chip tone-${look.tone}`} data-testid="detail-state">
            <Icon name={look.tone} size={20} />
            {TONE_LABEL[look.tone]}
          </span>
          <small>{zoneLabel(layout, summary?.zone ?? '')}</small>
        </span>
      }
    >
      <div class="detail">
        <div class="detail-info">
          {call && (
            <div class="call-banner" role="alert">
              <Icon name="call" size={28} />
              <span>
                <b>Call waiting {waited(now - call.since)}</b>
                <small>{call.ackedBy ? `ack by ${call.ackedBy.replace(/^panel:/, '')}` : 'not yet acknowledged'}</small>
              </span>
              {!call.ackedAt && (
                <button type="button" class="secondary" onClick={() => alertAction(call, 'ack')}>
                  Ack
                </button>
              )}
              <button type="button" class="primary" onClick={() => alertAction(call, 'clear')} data-action="clear-call">
                Clear call
              </button>
            </div>
          )}
          {!call && summary?.call && <p class="hint">The call light is still on at the seat: it goes out when reset there.</p>}
          <MoveClaims seat={id} summary={summary} alertKey={moveAlerts} role={role} now={now} act={act} />
          {alerts
            // A held move shows as its claim, above; it ends by a decision, not by clearing.
            .filter((a) => a.kind !== 'call' && a.kind !== 'move')
            .map((a) => (
              <div class={`seat-alert kind-${a.kind}`} key={a.id}>
                <Icon name={a.kind === 'offline' ? 'offline' : 'fault'} size={20} />
                <span>{a.kind === 'offline' ? `Offline since ${clock(a.since)}` : `${a.code} since ${clock(a.since)}`}</span>
                <button type="button" class="small-button" onClick={() => alertAction(a, 'clear')}>
                  Clear alert
                </button>
              </div>
            ))}
          <dl class="facts">
            <Fact label="Status">
              {/* Online means heard within three poll intervals; the last poll time only matters once it stops. */}
              {summary?.status === 'online' ? 'Online, polling' : `Offline · last poll ${summary?.lastPollAt ? `${clock(summary.lastPollAt)}, ${ago(summary.lastPollAt, now)}` : 'never'}`}
            </Fact>
            <Fact label="Screen">
              {media(seat?.media ?? null)}
              {summary?.status === 'offline' && seat?.media ? ' (last known)' : ''}
              {message && (
                <span class={`screen-message level-${message.level}`} data-testid="screen-message">
                  {' '}
                  · showing {message.level === 'info' ? 'a message' : `a${message.level === 'urgent' ? 'n urgent' : ' warning'} message`}: “{message.text}”
                </span>
              )}
            </Fact>
            <Fact label="Faults">
              {seat && seat.faults.length > 0 ? (
                <ul class="fault-list">
                  {seat.faults.map((f) => {
                    const info = faultInfo(f.code);
                    return (
                      <li key={f.code + (f.detail ?? '')} data-fault={f.code}>
                        <b>{info.title}</b> <code class="fault-code">{f.code}</code> {f.severity}
                        {f.detail ? ` (${f.detail})` : ''} · since {clock(f.since)}
                        <span class="fault-meaning">{info.meaning}</span>
                        <span class="fault-action">What to do: {info.action}</span>
                      </li>
                    );
                  })}
                </ul>
              ) : (
                'none'
              )}
            </Fact>
            <Fact label="Unit (LRU)">{seat?.lru ? `${seat.lru.serial} · ${seat.lru.model}` : 'none fitted or never heard'}</Fact>
            <Fact label="Firmware">
              {seat?.lru?.firmware ?? '—'}
              {seat?.update && seat.update.state !== 'idle' ? ` · update ${seat.update.state}${seat.update.progress !== undefined ? ` ${Math.round(seat.update.progress * 100)}%` : ''}` : ''}
            </Fact>
            <Fact label="Clock">{skew(summary?.skewMs ?? null)}</Fact>
            <Fact label="Up for">{seat?.lastPollAt && summary?.status === 'online' ? waited(seat.uptimeMs + now - seat.lastPollAt) : '—'}</Fact>
            <Fact label="MAC">{seat?.lru?.mac ?? '—'}</Fact>
          </dl>
          {detail && detail.lruHistory.length > 1 && (
            <p class="hint">
              Units here: {detail.lruHistory.map((h) => `${h.serial} ${h.action} ${new Date(h.at).toLocaleDateString()}`).join(' · ')}
            </p>
          )}
          {error && <p class="login-error">Could not load this seat's details: {error}</p>}
        </div>
        <div class="detail-side">
          <div class="button-grid">
            {/* One of the two, as the seat is now. */}
            {locked ? (
              <button type="button" class="action" onClick={() => cmd('seat.unlock', { reason: 'unlocked by the crew from the panel' })} data-action="unlock-seat">
                <Icon name="idle" size={22} /> Unlock seat
              </button>
            ) : (
              <button type="button" class="action" onClick={() => cmd('seat.lock', { reason: 'locked by the crew from the panel' })} data-action="lock-seat">
                <Icon name="locked" size={22} /> Lock seat
              </button>
            )}
            {/* The passenger's own film or music: pause it if it plays, resume it if paused. */}
            {summary?.media === 'playing' && (
              <button type="button" class="action" onClick={() => cmd('media.pause')} data-action="pause-seat">
                <Icon name="paused" size={22} /> Pause media
              </button>
            )}
            {summary?.media === 'paused' && (
              <button type="button" class="action" onClick={() => cmd('media.resume')} data-action="resume-seat">
                <Icon name="playing" size={22} /> Resume media
              </button>
            )}
            <button type="button" class={`action${composing ? ' on' : ''}`} onClick={() => setComposing((c) => !c)} data-action="message-seat">
              <Icon name="message" size={22} /> Message
            </button>
            {role !== null && (
              <button type="button" class={`action danger${confirmReboot ? ' on' : ''}`} onClick={() => (confirmReboot ? (cmd('seat.reboot', {}), setConfirmReboot(false)) : setConfirmReboot(true))} data-action="reboot">
                <Icon name="reboot" size={22} /> {confirmReboot ? 'Tap again to reboot' : 'Reboot seat'}
              </button>
            )}
          </div>
          {composing && <MessageForm act={act} target={() => target} onSent={() => setComposing(false)} />}
          {commands.length > 0 && (
            <ul class="seat-deliveries">
              {commands.slice(0, 2).map((c) => (
                <Delivery key={c.seq} c={c} now={now} failed={c.cmd === 'firmware.update' && summary?.update === 'failed' ? [id] : []} />
              ))}
            </ul>
          )}
          <h3>History</h3>
          <ol class="history">
            {history.slice(0, 30).map((e) => (
              <li key={`${e.type}${e.at}${String(e.data.detail ?? e.data.code ?? '')}`}>
                <time>{clock(e.at)}</time> {eventText(e.type, e.data)}
              </li>
            ))}
            {detail && history.length === 0 && <li class="quiet">Nothing recorded yet.</li>}
          </ol>
        </div>
      </div>
    </Dialog>
  );
}
