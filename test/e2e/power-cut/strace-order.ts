import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollBody, postPoll } from '../../helpers/poll.js';
import { spawnPurser } from '../purser-child.js';
import { issueCommand, tortureConfig } from './torture.js';

/**
 * SIGKILL keeps the page cache, so a torture of kills cannot tell an fsync
 * from none. This reads the syscalls instead: under
 * `strace -f -e trace=fsync,fdatasync,sendto,sendmsg,write,writev`, each
 * command that got a 2xx must have had the WAL fsync'd after the previous
 * command's datagram and before its own datagram and its HTTP answer.
 */
export interface StraceEvent {
  kind: 'fsync' | 'dgram' | 'http2xx';
  seq?: number;
  line: number;
}

export interface StraceReport {
  commands: number;
  ordered: number;
  violations: string[];
  fsyncs: number;
  datagrams: number;
}

const SYSCALL = /^\d+\s+(?:(fsync|fdatasync|sendto|sendmsg|sendmmsg|write|writev)\((\d+)(<[^>]*>)?(.*)$|<\.\.\. (fsync|fdatasync) resumed>.*= 0)/;

/** Parses strace -f -yy output into the events that matter; exported for its test. */
export function parseTrace(text: string, commandsPort: number): StraceEvent[] {
  const out: StraceEvent[] = [];
  const lines = text.split('\n');
  const pending = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = SYSCALL.exec(l);
    if (!m) continue;
    if (m[5]) {
      // A fsync that was <unfinished ...> on another line completes here.
      const pid = l.split(/\s+/)[0]!;
      if (pending.delete(`${pid}:${m[5]}`)) out.push({ kind: 'fsync', line: i });
      continue;
    }
    const [, call, , path = '', rest = ''] = m;
    if (call === 'fsync' || call === 'fdatasync') {
      if (!/purser\.db(-wal)?>/.test(path)) continue;
      if (rest.includes('<unfinished')) pending.add(`${l.split(/\s+/)[0]}:${call}`);
      else if (/= 0\s*$/.test(rest)) out.push({ kind: 'fsync', line: i });
      continue;
    }
    const seq = /\\"seq\\":(\d+)/.exec(rest)?.[1];
    if ((call === 'sendto' || call === 'sendmsg' || call === 'sendmmsg') && (l.includes(`:${commandsPort}]>`) || rest.includes(`htons(${commandsPort})`)) && seq) {
      out.push({ kind: 'dgram', seq: Number(seq), line: i });
    } else if ((call === 'write' || call === 'writev') && /HTTP\/1\.1 20\d/.test(rest)) {
      const s = /\\"seq\\":(\d+)/.exec(rest)?.[1];
      if (s) out.push({ kind: 'http2xx', seq: Number(s), line: i });
    }
  }
  return out;
}

/** Checks the order for each acknowledged seq, in the order they were issued. */
export function checkOrder(events: readonly StraceEvent[], seqs: readonly number[]): { ordered: number; violations: string[] } {
  const violations: string[] = [];
  let ordered = 0;
  let prevDgram = -1;
  for (const seq of seqs) {
    const d = events.findIndex((e) => e.kind === 'dgram' && e.seq === seq);
    const h = events.findIndex((e) => e.kind === 'http2xx' && e.seq === seq);
    if (h < 0) {
      violations.push(`seq ${seq}: no 2xx seen in the trace`);
      continue;
    }
    const first = d >= 0 ? Math.min(d, h) : h;
    const fsyncBefore = events.slice(prevDgram + 1, first).some((e) => e.kind === 'fsync');
    if (!fsyncBefore) violations.push(`seq ${seq}: its ${d >= 0 && d < h ? 'datagram' : '2xx'} went out with no WAL fsync since the previous command`);
    else ordered++;
    prevDgram = Math.max(prevDgram, first);
  }
  return { ordered, violations };
}

export async function straceOrdering(o: { dir: string; commands: number }): Promise<StraceReport> {
  const stateDir = join(o.dir, 'state');
  const { cfgPath, url, commandsPort } = await tortureConfig(stateDir);
  const tracePath = join(o.dir, 'trace.txt');
  const child = spawnPurser(cfgPath, {
    wrap: ['strace', '-f', '-qq', '-yy', '-s', '700', '-e', 'trace=fsync,fdatasync,sendto,sendmsg,sendmmsg,write,writev', '-o', tracePath],
  });
  const seqs: number[] = [];
  try {
    for (let i = 0; ; i++) {
      const r = await postPoll(url, pollBody('1A', { seq: i + 1 })).catch(() => undefined);
      if (r?.status === 200) break;
      if (child.proc.exitCode !== null) throw new Error(`purser under strace exited: ${child.stderr()}`);
      await sleep(100);
    }
    for (let i = 0; i < o.commands; i++) {
      const r = await issueCommand(url, AbortSignal.timeout(10_000));
      if (r.status >= 200 && r.status < 300 && r.seq !== undefined) seqs.push(r.seq);
    }
  } finally {
    // SIGTERM to the group: strace detaches and flushes its file, node stops cleanly.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone
    }
    const t = setTimeout(() => child.cut(), 10_000);
    await child.exited;
    clearTimeout(t);
    child.cut();
  }
  const events = parseTrace(await readFile(tracePath, 'utf8'), commandsPort);
  const { ordered, violations } = checkOrder(events, seqs);
  return { commands: seqs.length, ordered, violations, fsyncs: events.filter((e) => e.kind === 'fsync').length, datagrams: events.filter((e) => e.kind === 'dgram').length };
}
