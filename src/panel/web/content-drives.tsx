import { etaText, sentence, sizeText, troubleText } from './drive-text.js';
import type { Entity } from './wire.js';

/** A drive removed or refused this long ago is no longer shown here (the Systems dialog still lists it). */
const FORGET_MS = 10 * 60_000;

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
const str = (v: unknown) => (typeof v === 'string' ? v : '');

function DriveCard({ e }: { e: Entity }) {
  const a = e.attributes;
  const filesDone = num(a.filesDone);
  const filesTotal = num(a.filesTotal);
  const bytesDone = num(a.bytesDone);
  const bytesTotal = num(a.bytesTotal);
  const error = a.error && typeof a.error === 'object' ? (a.error as { code?: unknown }) : null;
  const safe = e.state === 'safe-to-remove';
  const bad = e.state === 'refused' || e.state === 'failed' || (e.state === 'removed' && error !== null);
  const busy = e.state === 'copying' || e.state === 'verifying';
  const pct = bytesTotal > 0 ? Math.min(100, (100 * bytesDone) / bytesTotal) : 0;
  const eta = etaText(a.etaSeconds);
  const message = str(a.message);
  // A refusal's alert sentence names the thing and why ("A USB keyboard was plugged into the head-end and refused. Remove it: ...").
  const trouble = e.state === 'refused' && str(a.alert) ? str(a.alert) : message;
  const look = safe ? 'good' : bad ? 'bad' : busy ? 'busy' : 'new';
  return (
    <li class={`drive drive-${look}`} data-testid="content-drive" data-drive={e.id} data-state={e.state}>
      {safe ? (
        <div role="status" class="drive-safe" data-testid="safe-to-remove">
          ✓ Safe to remove
        </div>
      ) : (
        <b class="drive-headline">{e.state === 'refused' && a.usbDevice === true ? 'This device cannot be used' : (HEADLINE[e.state] ?? e.state)}</b>
      )}
      <div class="drive-name">
        {e.name ?? e.id}
        {str(a.catalogVersion) ? ` · catalog ${str(a.catalogVersion)}` : ''}
      </div>
      {busy && filesTotal > 0 && (
        <>
          <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label="Copied">
            <span class="bar-acked" style={{ width: `${pct}%` }} />
          </div>
          <div class="drive-progress" data-testid="drive-progress">
            {filesDone} of {filesTotal} files · {sizeText(bytesDone)} of {sizeText(bytesTotal)}
            {eta && ` · ${eta}`}
          </div>
        </>
      )}
      {/* While copying, the bar and the line above say it all; "inserted" and "verifying" say what happens now. */}
      {!safe && !bad && !(busy && filesTotal > 0) && message && <p class="drive-message">{sentence(message)}</p>}
      {bad && (
        <div class="drive-trouble" data-testid="drive-trouble">
          {troubleText(e.state, trouble, typeof error?.code === 'string' ? error.code : undefined, a.safeToRemove === true).map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      )}
      {safe && (
        <div class="drive-progress">
          {filesTotal} files on board{num(a.filesReused) ? ` (${num(a.filesReused)} were already there)` : ''}.
        </div>
      )}
    </li>
  );
}

/** Content drives plugged into the head-end, with progress and a big "Safe to remove" when done. */
export function ContentDrives({ entities, now }: { entities: ReadonlyMap<string, Entity>; now: number }) {
  const drives = [...entities.values()].filter((e) => e.kind === 'drive' && !((e.state === 'removed' || e.state === 'refused') && now - e.changedAt > FORGET_MS));
  // The newest on top; on a short screen only it shows, the others counted (styles.css).
  const [newest, ...older] = drives.sort((x, y) => y.changedAt - x.changedAt || x.id.localeCompare(y.id));
  if (!newest) return null;
  return (
    <section class="content-drives" aria-labelledby="drives-title" data-testid="content-drives">
      <h2 id="drives-title">Content drives</h2>
      <ul class="drive-list">
        <DriveCard key={newest.id} e={newest} />
      </ul>
      {older.length > 0 && (
        <ul class="drive-list drive-older" aria-label="Earlier drives">
          {older.map((e) => (
            <DriveCard key={e.id} e={e} />
          ))}
        </ul>
      )}
      {older.length > 0 && (
        <div class="drive-more" data-testid="drive-more">
          {older.length === 1 ? '1 more drive' : `${older.length} more drives`} in Systems
        </div>
      )}
    </section>
  );
}
