import { readFile } from 'node:fs/promises';

/**
 * Parser for /proc/<pid>/mountinfo (proc(5)):
 *
 *     42 27 259:0 / /tmp/a\040b ro,nosuid,nodev,noexec,relatime - ext4 /dev/loop0p1 ro,norecovery
 *     (1)(2) (3)  (4)  (5)        (6)                 (7..) (8)(9)   (10)         (11)
 *
 * mount ID, parent ID, major:minor, root, mount point, per-mount options,
 * optional fields ending at `-`, filesystem type, source, superblock options.
 * The kernel escapes space, tab, newline and backslash as octal (`\040`,
 * `\011`, `\012`, `\134`); we undo any `\ooo`. Pure; never throws.
 */

export interface MountEntry {
  mountId: number;
  parentId: number;
  majorMinor: string;
  root: string;
  mountPoint: string;
  /** Per-mount options (the mount point's own flags: ro, nosuid, nodev, noexec...). */
  mountOptions: string[];
  optionalFields: string[];
  fsType: string;
  source: string;
  /** Options of the filesystem itself (the superblock). */
  superOptions: string[];
}

export function unescapeMountinfo(field: string): string {
  if (!field.includes('\\')) return field;
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const oct = field[i] === '\\' ? /^[0-7]{3}/.exec(field.slice(i + 1, i + 4)) : null;
    if (oct && parseInt(oct[0], 8) <= 0xff) {
      bytes.push(parseInt(oct[0], 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(field[i]!, 'utf8'));
    }
  }
  // Escaped bytes may be halves of a UTF-8 name: decode the whole name at once.
  return Buffer.from(bytes).toString('utf8');
}

export function parseMountinfo(text: string): { mounts: MountEntry[]; malformed: number } {
  const mounts: MountEntry[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseLine(line);
    if (entry) mounts.push(entry);
    else malformed++;
  }
  return { mounts, malformed };
}

function parseLine(line: string): MountEntry | undefined {
  const f = line.split(' ');
  const sep = f.indexOf('-', 6);
  if (f.length < 10 || sep < 0 || f.length < sep + 4) return undefined;
  const [id, parent, mm, root, mp, opts] = f as [string, string, string, string, string, string];
  if (!/^\d+$/.test(id) || !/^\d+$/.test(parent) || !/^\d+:\d+$/.test(mm)) return undefined;
  return {
    mountId: Number(id),
    parentId: Number(parent),
    majorMinor: mm,
    root: unescapeMountinfo(root),
    mountPoint: unescapeMountinfo(mp),
    mountOptions: opts.split(','),
    optionalFields: f.slice(6, sep),
    fsType: unescapeMountinfo(f[sep + 1]!),
    source: unescapeMountinfo(f[sep + 2]!),
    superOptions: f.slice(sep + 3).join(' ').split(','),
  };
}

/** Reads and parses the calling process's mount table. */
export async function readMountinfo(path = '/proc/self/mountinfo'): Promise<MountEntry[]> {
  return parseMountinfo(await readFile(path, 'utf8')).mounts;
}
