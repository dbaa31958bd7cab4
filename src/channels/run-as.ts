import { readFile } from 'node:fs/promises';

export interface RunAs {
  user: string;
  /** Default: the user's primary group in /etc/passwd. */
  group?: string;
}

/** uid and gid for a user and group name (or numbers), from /etc/passwd and /etc/group. */
export async function lookupIds(runAs: RunAs): Promise<{ uid: number; gid: number }> {
  const uid = /^\d+$/.test(runAs.user) ? Number(runAs.user) : await field('/etc/passwd', runAs.user);
  if (runAs.group === undefined) {
    if (/^\d+$/.test(runAs.user)) throw new Error(`VLC user ${runAs.user} is a number: name its group too (vlc.group)`);
    return { uid, gid: await field('/etc/passwd', runAs.user, 3) };
  }
  const gid = /^\d+$/.test(runAs.group) ? Number(runAs.group) : await field('/etc/group', runAs.group);
  return { uid, gid };
}

async function field(file: string, name: string, index = 2): Promise<number> {
  const text = await readFile(file, 'utf8');
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    const v = parts[index];
    if (parts[0] === name && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  throw new Error(`no entry "${name}" in ${file}: VLC must run as an existing unprivileged user`);
}

/**
 * The command that runs `argv` as uid:gid `ids` (when we are root) (VLC refuses to run
 * as root, and its wrapper fails when the real uid is 0), or as ourselves.
 * HOME must be writable: VLC keeps its config and cache there.
 */
export function commandAs(argv: readonly string[], home: string, ids: { uid: number; gid: number } | null): { cmd: string; args: string[] } {
  // VLC runs in its own process group (so stop() reaches all of it), which a SIGKILL of the
  // controller's group does not reach: the parent-death signal ends it with the controller
  // instead of leaving it streaming (setpriv sets it after the uid change, which would clear it).
  const deathSignal = '--pdeathsig=KILL';
  if (!ids) return { cmd: 'setpriv', args: [deathSignal, '--', 'env', `HOME=${home}`, ...argv] };
  // Ambient capabilities survive a uid change between non-root users: drop them all (docs/systemd.md).
  return {
    cmd: 'setpriv',
    args: [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--clear-groups', '--inh-caps=-all', '--ambient-caps=-all', deathSignal, '--', 'env', `HOME=${home}`, ...argv],
  };
}
