import type { ContentStatus } from '../../content/feature.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { getJson } from '../http-client.js';
import { controllerUrl, parseOptions } from '../options.js';
import { ago, renderTable } from '../table.js';

const HELP = `Usage: purser content SUBCOMMAND [options]

  pack DIR --key KEY.pem --version V [--created-at ISO] [--lang L]
      Writes and signs DIR/purser-content.json for a content drive (on the
      ground: DIR is the drive's root, or a tree to copy onto it). KEY is the
      content signing key (Ed25519 PEM, readable only by you: chmod 600).
  status [--controller URL] [--json]
      Drives (state, progress, ETA, errors), the current catalog, and which
      version each seat plays from, from a running controller.`;

const gb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);
const eta = (s: number | null) => (s === null ? '' : s < 90 ? `${Math.ceil(s)} s` : `${Math.ceil(s / 60)} min`);

async function packCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { key: { type: 'string' }, version: { type: 'string' }, 'created-at': { type: 'string' }, lang: { type: 'string' } }, true);
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError('pack takes one DIR');
  if (!values.key) throw new UsageError('--key KEY.pem is required');
  if (!values.version) throw new UsageError('--version V is required');
  const { pack, loadContentSigningKey, ContentWorkers } = await import('../../content/index.js');
  const workers = new ContentWorkers();
  try {
    const key = await loadContentSigningKey(values.key);
    const m = await pack(dir, key, { catalogVersion: values.version, ...(values['created-at'] ? { createdAt: values['created-at'] } : {}), ...(values.lang ? { lang: values.lang } : {}), workers });
    const bytes = m.files.reduce((n, f) => n + f.size, 0);
    console.log(`packed ${m.catalogVersion}: ${m.files.length} files, ${gb(bytes)}; signed purser-content.json written in ${dir}`);
    return 0;
  } catch (e) {
    console.error(`purser content pack: ${(e as Error).message}`);
    return 1;
  } finally {
    await workers.close();
  }
}

async function statusCommand(args: string[]): Promise<number> {
  const { values } = parseOptions(args, { controller: { type: 'string' }, json: { type: 'boolean' } });
  const st = await getJson<ContentStatus>(controllerUrl(values.controller), '/api/v1/content');
  if (values.json) {
    console.log(JSON.stringify(st, null, 2));
    return 0;
  }
  console.log(`Content drives: ${st.health.state}${st.health.detail ? ` (${st.health.detail})` : ''}`);
  console.log(st.current ? `Current catalog: ${st.current.catalogVersion} (${st.current.files} files, ${gb(st.current.bytes)}, created ${st.current.createdAt})` : 'Current catalog: none loaded yet');
  if (st.lastSync) {
    const d = st.lastSync.delivery as { state?: string; acked?: number; targeted?: number } | undefined;
    console.log(`Last content.sync: ${st.lastSync.catalogVersion}, seq ${st.lastSync.seq ?? '-'}${d ? `, ${d.acked}/${d.targeted} seats acknowledged (${d.state})` : ''}${st.lastSync.error ? `, failed: ${st.lastSync.error}` : ''}`);
  }
  console.log('');
  if (st.drives.length === 0) console.log('No drives seen.');
  else {
    const rows = st.drives.map((d) => [
      d.name,
      d.state === 'safe-to-remove' ? 'SAFE TO REMOVE' : d.state.toUpperCase(),
      d.catalogVersion ?? '-',
      d.filesTotal ? `${d.filesDone}/${d.filesTotal}` : '-',
      d.bytesTotal ? `${gb(d.bytesDone)} / ${gb(d.bytesTotal)}` : '-',
      d.state === 'copying' ? eta(d.etaSeconds) : '',
      d.message,
    ]);
    console.log(renderTable(['DRIVE', 'STATE', 'VERSION', 'FILES', 'BYTES', 'ETA', 'MESSAGE'], rows));
  }
  const versions = new Map<string, number>();
  for (const s of st.seats) {
    const v = s.content?.state === 'syncing' ? `${s.content.version ?? 'none'} -> ${s.content.target} (syncing)` : s.content?.version ?? (s.content?.state === 'failed' ? `failed: ${s.content.error}` : 'none');
    if (s.serial) versions.set(v, (versions.get(v) ?? 0) + 1);
  }
  console.log('');
  console.log(renderTable(['SEATS', 'CONTENT'], [...versions].sort((a, b) => b[1] - a[1]).map(([v, n]) => [String(n), v])));
  console.log(`\nLibrary versions: ${st.versions.map((v) => `${v.catalogVersion}${v.current ? ' (current)' : ''}${v.complete ? '' : ' (incomplete)'}`).join(', ') || 'none'}; checked ${ago(Date.now())}.`);
  return 0;
}

export const command: CliCommand = {
  name: 'content',
  summary: 'pack a content drive, or show drives and seats’ content',
  help: HELP,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'pack') return packCommand(rest);
    if (sub === 'status') return statusCommand(rest);
    throw new UsageError(sub ? `unknown subcommand ${sub}` : 'a subcommand is required');
  },
};
