import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { getJson } from '../http-client.js';
import { controllerUrl, intOption, parseOptions } from '../options.js';
import { renderTable } from '../table.js';

interface Row {
  seq: number;
  cmd: string;
  target: { all?: true; zones?: string[]; seats?: string[] };
  at: number;
  issuer: string;
  state: string;
  targeted: number;
  acked: number;
}

const STATES = ['pending', 'delivered', 'incomplete', 'expired'];

function targetText(t: Row['target']): string {
  if (t.all) return 'all';
  const names = t.zones ? t.zones.map((z) => `zone ${z}`) : (t.seats ?? []);
  return names.length > 4 ? `${names.slice(0, 4).join(',')},… (${names.length})` : names.join(',');
}

/** "2024-05-01 14:03:07Z": the log's wall time, in UTC so every terminal agrees. */
function when(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export const command: CliCommand = {
  name: 'commands',
  summary: 'list the command history of a running controller, newest first',
  help: `Usage: purser commands [--before SEQ] [--limit N] [--cmd X] [--issuer NAME] [--state S] [--json]

Pages through the command log newest first, expired commands included, back
to the retention the controller keeps (commands.retentionMs after expiry).

  --controller URL  default $PURSER_URL or http://127.0.0.1:8080
  --before SEQ      only commands older than SEQ (the "next" a page prints)
  --limit N         1-500, default 50
  --cmd X           only this command, e.g. seat.lock
  --issuer NAME     only commands from NAME, e.g. token or panel:crew
  --state S         pending, delivered, incomplete or expired
  --json            print the API's JSON instead of a table`,
  async run(args) {
    const { values } = parseOptions(args, {
      controller: { type: 'string' },
      before: { type: 'string' },
      limit: { type: 'string' },
      cmd: { type: 'string' },
      issuer: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean' },
    });
    const q = new URLSearchParams();
    const before = intOption(values.before, 'before', 1, Number.MAX_SAFE_INTEGER);
    const limit = intOption(values.limit, 'limit', 1, 500);
    if (before !== undefined) q.set('before', String(before));
    if (limit !== undefined) q.set('limit', String(limit));
    if (values.cmd) q.set('cmd', values.cmd);
    if (values.issuer) q.set('issuer', values.issuer);
    if (values.state) {
      if (!STATES.includes(values.state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
      q.set('state', values.state);
    }
    const base = controllerUrl(values.controller);
    const res = await getJson<{ commands: Row[]; next: number | null }>(base, `/api/v1/commands${q.size ? `?${q}` : ''}`);
    if (values.json) {
      console.log(JSON.stringify(res, null, 2));
      return 0;
    }
    const rows = res.commands.map((c) => [String(c.seq), when(c.at), c.cmd, targetText(c.target), c.issuer, c.state.toUpperCase(), `${c.acked}/${c.targeted}`]);
    console.log(renderTable(['SEQ', 'AT (UTC)', 'COMMAND', 'TARGET', 'ISSUER', 'STATE', 'ACKED'], rows));
    const rest = [...q].filter(([k]) => k !== 'before').map(([k, v]) => ` --${k} ${v}`).join('');
    console.log(res.next === null ? `\n${rows.length} shown; no older commands.` : `\n${rows.length} shown; older: purser commands --before ${res.next}${rest}`);
    return 0;
  },
};
