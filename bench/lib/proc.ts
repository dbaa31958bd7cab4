import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel ticks per second of /proc CPU times (USER_HZ, 100 on any common Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcSample {
  /** performance.now() when taken. */
  at: number;
  /** User + system CPU time of all the process's threads so far. */
  cpuMs: number;
  rssBytes: number;
}

/** utime + stime, in ticks, from the text of /proc/<pid>/stat. */
export function statTicks(stat: string): number {
  // comm (field 2) may hold spaces and parentheses: count from the last ')', where field 3 starts.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat line');
  return utime + stime;
}

/** VmRSS in bytes from the text of /proc/<pid>/status. */
export function statusRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error('no VmRSS in /proc status');
  return Number(m[1]) * 1024;
}

/** CPU time and resident memory of a live process, from /proc. */
export function sampleProc(pid: number): ProcSample {
  const at = performance.now();
  const ticks = statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { at, cpuMs: (ticks * 1000) / CLK_TCK, rssBytes: statusRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8')) };
}

/** CPU used between two samples, in % of one core (100 = one core flat out). */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  return ((to.cpuMs - from.cpuMs) / (to.at - from.at)) * 100;
}
