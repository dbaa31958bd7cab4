import { appendFile, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../hardware/usb/fixtures.js';

/**
 * An `udevadm` for machines without USB hardware: `monitor` prints udevadm's
 * own preamble, then every block appended to a feed file (tail -f), so the
 * controller's real UdevMonitor parses recorded udev blocks from a real child
 * process; `info --export-db` prints what the test says is plugged in at
 * start; `settle` and `control --ping` succeed as on a machine running udevd.
 */
export class FakeUdevadm {
  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly feed: string,
    private readonly db: string,
  ) {}

  static async create(): Promise<FakeUdevadm> {
    const dir = await mkdtemp(join(tmpdir(), 'purser-fake-udevadm-'));
    const path = join(dir, 'udevadm');
    const feed = join(dir, 'feed');
    const db = join(dir, 'export-db');
    await writeFile(feed, '');
    await writeFile(db, '');
    await writeFile(
      path,
      `#!/bin/sh
case "$1" in
  monitor) printf 'monitor will print the received events for:\\nUDEV - the event which udev sends out after rule processing\\n\\n'; exec tail -n 0 -F '${feed}' ;;
  info) exec cat '${db}' ;;
  *) exit 0 ;;
esac
`,
    );
    await chmod(path, 0o755);
    return new FakeUdevadm(dir, path, feed, db);
  }

  /** Appends monitor blocks; the running monitor hears them as live events. */
  async emit(...blocks: string[]): Promise<void> {
    await appendFile(this.feed, blocks.map((b) => `${b.trim()}\n\n`).join(''));
  }

  /** What `udevadm info --export-db` lists at the next (re)start: these blocks, in the database's format. */
  async plugged(...blocks: string[]): Promise<void> {
    await writeFile(this.db, blocks.map(exportDbRecord).join(''));
  }

  cleanup(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** The blocks of a monitor fixture, each with its header line, by DEVPATH. */
export function monitorBlocks(name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of fixture(name).split(/\n\s*\n/)) {
    const devpath = /^DEVPATH=(.*)$/m.exec(b)?.[1];
    if (devpath && /^UDEV /m.test(b)) out.set(devpath, b.trim());
  }
  return out;
}

/** The same device's `remove` event, as udev sends it. */
export function removeBlock(add: string, seqnum: number): string {
  return add
    .replace(/^UDEV (\s*\[[^\]]*\]) add /m, 'UDEV $1 remove ')
    .replace(/^ACTION=add$/m, 'ACTION=remove')
    .replace(/^SEQNUM=\d+$/m, `SEQNUM=${seqnum}`);
}

function exportDbRecord(block: string): string {
  const props = block.split('\n').filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l) && !/^(ACTION|SEQNUM)=/.test(l));
  const get = (k: string) => props.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
  return `P: ${get('DEVPATH')}\nU: ${get('SUBSYSTEM')}\n${props.map((l) => `E: ${l}`).join('\n')}\n\n`;
}
