import { useMemo } from 'preact/hooks';
import { alertOrder } from '../../alerts/alert.js';
import { faultInfo } from '../../alerts/fault-table.js';
import { Icon, type IconName } from './icons.js';
import { clock, waited } from './time.js';
import { api, newIdempotencyKey } from './api.js';
import type { Act } from './use-act.js';
import type { Alert } from './wire.js';

const KIND_ICON: Record<Alert['kind'], IconName> = { call: 'call', offline: 'offline', fault: 'fault', flapping: 'fault', move: 'swap', rollout: 'updating', usb: 'fault', system: 'fault' };
/** Beyond this many offline seats, one line says so: a cabin powered down is one event, not 300. */
const GROUP_OFFLINE_OVER = 3;

function title(a: Alert): string {
  switch (a.kind) {
    case 'call':
      return `Call ${a.seat}`;
    case 'offline':
      return `${a.seat} offline`;
    case 'fault':
      return `${a.seat} fault`;
    case 'flapping':
      return `${a.seat} faulty button`;
    case 'move':
      return `${a.seat} unit claim held`;
    case 'rollout':
      return 'Firmware rollout halted';
    case 'usb':
      return 'USB device refused';
    case 'system':
      return 'Cabin system';
  }
}

function detail(a: Alert, now: number): string {
  if (a.kind === 'rollout') return `${a.text ?? a.code ?? ''} · ${clock(a.since)} · for a technician`;
  if (a.kind === 'move') return `${a.text ?? `unit ${a.code ?? ''}`} · ${clock(a.since)}${a.ackedBy ? ` · ack by ${a.ackedBy.replace(/^panel:/, '')}` : ''}`;
  if (a.kind === 'usb' || a.kind === 'system') return `${a.text ?? a.code ?? ''} · ${clock(a.since)}`;
  const what = a.kind === 'fault' ? `${faultInfo(a.code ?? '').title} (${a.code}) · ` : a.kind === 'flapping' ? `${a.code} flapping · ` : 'since ';
  const since = a.kind === 'call' ? `waiting ${waited(now - a.since)}` : `${what}${clock(a.since)}`;
  return a.ackedBy ? `${since} · ack by ${a.ackedBy.replace(/^panel:/, '')}` : since;
}

const alertPath = (a: Alert, op: 'ack' | 'clear') => `/api/v1/alerts/${encodeURIComponent(a.id)}/${op}`;
const ack = (act: Act, a: Alert) => act.post(alertPath(a, 'ack'));
const clear = (act: Act, a: Alert) => act.post(alertPath(a, 'clear'));

/** Several alerts in one action: one PIN prompt, one Idempotency-Key per alert, the same keys on the run after the prompt. */
function onAll(act: Act, list: Alert[], op: 'ack' | 'clear'): void {
  const keyed = list.map((a) => [alertPath(a, op), newIdempotencyKey()] as const);
  act.run(() => Promise.all(keyed.map(([path, key]) => api.act(path, {}, key))));
}

function AlertRow({ a, now, act, onSeat }: { a: Alert; now: number; act: Act; onSeat: (seat: string) => void }) {
  return (
    <li class={`alert kind-${a.kind} prio-${a.priority}${a.ackedAt ? ' acked' : ' fresh'}`} data-alert={a.id} data-alert-seat={a.seat}>
      <button type="button" class="alert-main" onClick={() => onSeat(a.seat)}>
        <span class={`alert-icon kind-${a.kind}`}>
          <Icon name={KIND_ICON[a.kind]} size={24} />
        </span>
        <span class="alert-text">
          <b>{title(a)}</b>
          <small>{detail(a, now)}</small>
        </span>
      </button>
      {!a.ackedAt && (
        <button type="button" class="small-button" onClick={() => ack(act, a)}>
          Ack
        </button>
      )}
      {/* A held move ends by a technician's decision in the seat's detail, not by clearing it here. */}
      {a.kind !== 'move' && (
        <button type="button" class="small-button" onClick={() => clear(act, a)}>
          Clear
        </button>
      )}
    </li>
  );
}

function OfflineGroup({ list, act, onSeat }: { list: Alert[]; act: Act; onSeat: (seat: string) => void }) {
  const unseen = list.filter((a) => !a.ackedAt);
  const seats = list.map((a) => a.seat);
  return (
    <li class={`alert kind-offline prio-normal${unseen.length ? ' fresh' : ' acked'}`} data-alert-group="offline">
      <button type="button" class="alert-main" onClick={() => onSeat(seats[0]!)}>
        <span class="alert-icon kind-offline">
          <Icon name="offline" size={24} />
        </span>
        <span class="alert-text">
          <b>{list.length} seats offline</b>
          <small>{seats.slice(0, 12).join(' ') + (seats.length > 12 ? ' …' : '')}</small>
        </span>
      </button>
      {unseen.length > 0 && (
        <button type="button" class="small-button" onClick={() => onAll(act, unseen, 'ack')}>
          Ack
        </button>
      )}
      <button type="button" class="small-button" onClick={() => onAll(act, list, 'clear')}>
        Clear
      </button>
    </li>
  );
}

/** What needs the crew now: calls first, with how long each passenger has waited. */
export function AlertsPanel({ alerts, now, act, onSeat }: { alerts: ReadonlyMap<string, Alert>; now: number; act: Act; onSeat: (seat: string) => void }) {
  const sorted = useMemo(() => [...alerts.values()].sort(alertOrder), [alerts]);
  const offline = sorted.filter((a) => a.kind === 'offline');
  const grouped = offline.length > GROUP_OFFLINE_OVER;
  const rows = grouped ? sorted.filter((a) => a.kind !== 'offline') : sorted;
  return (
    <section class="alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">
        Alerts <span class="count">{alerts.size}</span>
      </h2>
      {alerts.size === 0 ? (
        <p class="quiet">No calls or faults. All quiet.</p>
      ) : (
        <ul class="alert-list">
          {rows.map((a) => (
            <AlertRow key={a.id} a={a} now={now} act={act} onSeat={onSeat} />
          ))}
          {grouped && <OfflineGroup list={offline} act={act} onSeat={onSeat} />}
        </ul>
      )}
    </section>
  );
}
