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

export interface HostCpuSample {
  /** Jiffies of every core, busy and in total, from /proc/stat's `cpu` line. */
  busy: number;
  total: number;
}

/** The `cpu` line of /proc/stat: busy is everything but idle and iowait (guest time is already in user). */
export function hostCpuTicks(procStat: string): HostCpuSample {
  const line = /^cpu\s+([\d\s]+)$/m.exec(procStat);
  if (!line) throw new Error('no cpu line in /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line[1]!.trim().split(/\s+/).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

export const sampleHostCpu = (): HostCpuSample => hostCpuTicks(readFileSync('/proc/stat', 'utf8'));

/** How busy the whole machine was between two samples, in % of all its cores (100 = every core flat out). */
export function hostCpuPercent(from: HostCpuSample, to: HostCpuSample): number {
  const total = to.total - from.total;
  return total > 0 ? ((to.busy - from.busy) / total) * 100 : 0;
}

/**
 * The open-file limit (`ulimit -n`) processes started from here get; Infinity
 * if unlimited. Each seat's keep-alive connection is a descriptor in the
 * server, so it caps how many seats one server can hold.
 */
export function openFileLimit(): number {
  try {
    const v = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return v === 'unlimited' ? Infinity : Number(v) || Infinity;
  } catch {
    return Infinity;
  }
}
