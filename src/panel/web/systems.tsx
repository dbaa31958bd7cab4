import { Dialog } from './dialog.js';
import { entityDetail, needsAttention } from './entity-look.js';
import { ago } from './time.js';
import type { Entity } from './wire.js';

/** Kind names as a person reads them; a kind not listed shows as it is called. */
const KIND_NAMES: Record<string, string> = { service: 'Services', channel: 'Channels', pa: 'PA', rollout: 'Firmware rollouts', drive: 'Content drives', 'serial-port': 'Serial ports', monitor: 'Overhead monitors', tunnel: 'Remote support', console: 'SSH console' };

/** The top bar's entry to every entity: how many need attention. */
export function SystemsButton({ entities, onOpen }: { entities: ReadonlyMap<string, Entity>; onOpen: () => void }) {
  let bad = 0;
  for (const e of entities.values()) if (needsAttention(e)) bad++;
  return (
    <button type="button" class={`stat systems${bad ? ' active' : ''}`} data-testid="systems" onClick={onOpen}>
      {bad ? <><b>{bad}</b> need attention</> : 'Systems OK'}
    </button>
  );
}

/**
 * Every entity the controller publishes, grouped by kind: a new kind (a
 * drive, a serial port) shows up here with no change to the page.
 */
export function SystemsDialog({ entities, now, onClose }: { entities: ReadonlyMap<string, Entity>; now: number; onClose: () => void }) {
  const byKind = new Map<string, Entity[]>();
  for (const e of [...entities.values()].sort((a, b) => Number(needsAttention(b)) - Number(needsAttention(a)) || a.id.localeCompare(b.id))) {
    byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e]);
  }
  return (
    <Dialog title="Systems" onClose={onClose} wide>
      {byKind.size === 0 && <p>Nothing reported yet.</p>}
      {[...byKind].map(([kind, list]) => (
        <section class="systems-kind" key={kind} data-kind={kind}>
          <h3>{KIND_NAMES[kind] ?? kind}</h3>
          <ul>
            {list.map((e) => (
              <li key={e.id} class={needsAttention(e) ? 'bad' : 'calm'} data-entity={e.id}>
                <span class="entity-name">{e.name ?? e.id}</span>
                <span class="entity-state">{e.state}</span>
                <span class="entity-detail">{entityDetail(e)}</span>
                <small>{ago(e.changedAt, now)}</small>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Dialog>
  );
}
