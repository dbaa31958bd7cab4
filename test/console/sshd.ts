import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { sshKeygen } from './helpers.js';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A real OpenSSH sshd on 127.0.0.1 as the ground support host: its own
 * config, host key and authorized_keys in a temp dir, remote forwarding only.
 * Run as root (the tests run as root), logging in as root by key only.
 */
export class GroundSshd {
  child: ChildProcess | undefined;
  port = 0;
  hostPub = '';
  log = '';
  constructor(readonly dir: string) {}

  async prepare(tunnelPub: string): Promise<void> {
    this.port = await freePort();
    const host = await sshKeygen(this.dir, 'ground_host_ed25519');
    this.hostPub = host.pub;
    await writeFile(join(this.dir, 'authorized_keys'), `restrict,port-forwarding,permitlisten="127.0.0.1:*" ${tunnelPub}\n`);
    await writeFile(
      join(this.dir, 'sshd_config'),
      [
        'ListenAddress 127.0.0.1',
        `Port ${this.port}`,
        `HostKey ${host.path}`,
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'AllowTcpForwarding remote',
        'GatewayPorts no',
        'X11Forwarding no',
        'PermitTTY no',
        'ClientAliveInterval 5',
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    mkdirSync('/run/sshd', { recursive: true });
    // Its own process group, so stop() also ends the per-connection children.
    const child = (this.child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(this.dir, 'sshd_config')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] }));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    await listening(this.port, 5000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    // sshd's per-connection children start their own sessions: find them by parent before killing.
    for (const pid of [child.pid!, ...descendants(child.pid!)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await gone;
  }
}

/** Every live descendant of `root`, from /proc (parent pid is field 4 of /proc/PID/stat). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, pp] of parent) if (pp === p) (out.push(pid), walk(pid));
  };
  walk(root);
  return out;
}
