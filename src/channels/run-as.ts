import { readFile } from 'node:fs/promises';

export interface RunAs {
  user: string;
  group: string;
}

/** uid and gid for a user and group name (or numbers), from /etc/passwd and /etc/group. */
export async function lookupIds(runAs: RunAs): Promise<{ uid: number; gid: number }> {
  const uid = /^\d+$/.test(runAs.user) ? Number(runAs.user) : await field('/etc/passwd', runAs.user);
  const gid = /^\d+$/.test(runAs.group) ? Number(runAs.group) : await field('/etc/group', runAs.group);
  return { uid, gid };
}

async function field(file: string, name: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts[0] === name && parts[2] !== undefined && /^\d+$/.test(parts[2])) return Number(parts[2]);
  }
  throw new Error(`no entry "${name}" in ${file}: VLC must run as an existing unprivileged user`);
}

/**
 * The command that runs `argv` as `runAs` when we are root (VLC refuses to run
 * as root, and its wrapper fails when the real uid is 0), or as ourselves.
 * HOME must be writable: VLC keeps its config and cache there.
 */
export function commandAs(argv: readonly string[], home: string, runAs: RunAs, isRoot: boolean): { cmd: string; args: string[] } {
  if (!isRoot) return { cmd: 'env', args: [`HOME=${home}`, ...argv] };
  return {
    cmd: 'setpriv',
    args: [`--reuid=${runAs.user}`, `--regid=${runAs.group}`, '--clear-groups', 'env', `HOME=${home}`, ...argv],
  };
}
