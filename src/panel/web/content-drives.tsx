import type { Entity } from './wire.js';

/** A drive removed or refused this long ago is no longer shown here (the Systems dialog still lists it). */
const FORGET_MS = 10 * 60_000;

const mb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${Math.round(n / 1e6)} MB`);
const etaText = (s: unknown) => (typeof s !== 'number' ? '' : s < 90 ? `about ${Math.max(1, Math.ceil(s))} s left` : `about ${Math.ceil(s / 60)} min left`);

/** What the crew reads for each state: plain words, never a code. */
const HEADLINE: Record<string, string> = {
  inserted: 'Drive found',
  verifying: 'Checking the drive',
  copying: 'Copying — do not remove',
  'safe-to-remove': 'Safe to remove',
  refused: 'This drive cannot be used',
  failed: 'Copying stopped',
  removed: 'Drive removed',
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function DriveCard({ e }: { e: Entity }) {
  const a = e.attributes;
  const filesDone = num(a.filesDone);
  const filesTotal = num(a.filesTotal);
  const bytesDone = num(a.bytesDone);
  const bytesTotal = num(a.bytesTotal);
  const safe = e.state === 'safe-to-remove';
  const bad = e.state === 'refused' || e.state === 'failed' || (e.state === 'removed' && a.error);
  const pct = bytesTotal > 0 ? Math.min(100, (100 * bytesDone) / bytesTotal) : 0;
  return (
    <li class={`drive drive-${e.state}`} data-testid="content-drive" data-drive={e.id} data-state={e.state} style={{ listStyle: 'none', padding: '0.5em', margin: '0.4em 0', borderRadius: '6px', border: `2px solid ${safe ? '#1a7f37' : bad ? '#b42318' : '#8a8f98'}` }}>
      {safe ? (
        <div role="status" data-testid="safe-to-remove" style={{ fontSize: '1.6em', fontWeight: 700, color: '#1a7f37', textAlign: 'center' }}>
          ✓ Safe to remove
        </div>
      ) : (
        <b style={{ color: bad ? '#b42318' : undefined }}>{HEADLINE[e.state] ?? e.state}</b>
      )}
      <div>
        <small>
          {e.name ?? e.id}
          {typeof a.catalogVersion === 'string' ? ` · catalog ${a.catalogVersion}` : ''}
        </small>
      </div>
      {(e.state === 'copying' || e.state === 'verifying') && filesTotal > 0 && (
        <>
          <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label="Copied">
            <span class="bar-acked" style={{ width: `${pct}%` }} />
          </div>
          <small>
            {filesDone} of {filesTotal} files · {mb(bytesDone)} of {mb(bytesTotal)} {etaText(a.etaSeconds) && `· ${etaText(a.etaSeconds)}`}
          </small>
        </>
      )}
      {!safe && typeof a.message === 'string' && a.message && (e.state !== 'copying' || bad) && <p style={{ margin: '0.3em 0 0' }}>{a.message}</p>}
      {safe && <small>{filesTotal} files on board{num(a.filesReused) ? ` (${num(a.filesReused)} were already there)` : ''}.</small>}
    </li>
  );
}

/** Content drives plugged into the head-end, with progress and a big "Safe to remove" when done. */
export function ContentDrives({ entities, now }: { entities: ReadonlyMap<string, Entity>; now: number }) {
  const drives = [...entities.values()].filter((e) => e.kind === 'drive' && !((e.state === 'removed' || e.state === 'refused') && now - e.changedAt > FORGET_MS));
  if (drives.length === 0) return null;
  return (
    <section class="content-drives" aria-labelledby="drives-title" data-testid="content-drives">
      <h2 id="drives-title">Content drives</h2>
      <ul style={{ padding: 0, margin: 0 }}>
        {drives.sort((x, y) => y.changedAt - x.changedAt).map((e) => (
          <DriveCard key={e.id} e={e} />
        ))}
      </ul>
    </section>
  );
}
