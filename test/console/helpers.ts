import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConsoleServer, type ConsoleServerOptions } from '../../src/console/server.js';
import type { AuditEntry, CommandTable } from '../../src/console/types.js';

const run = promisify(execFile);

export async function tempDir(prefix = 'purser-console-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh ed25519 pair made by OpenSSH's own ssh-keygen; returns the private key path and the public line. */
export async function sshKeygen(dir: string, name: string): Promise<{ path: string; pub: string }> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  return { path, pub: (await readFile(`${path}.pub`, 'utf8')).trim() };
}

export const SSH_BASE = [
  '-o', 'StrictHostKeyChecking=no',
  '-o', 'UserKnownHostsFile=/dev/null',
  '-o', 'BatchMode=yes',
  '-o', 'IdentitiesOnly=yes',
  '-o', 'LogLevel=ERROR',
  '-o', 'ConnectTimeout=10',
  '-F', '/dev/null',
];

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real OpenSSH client to completion (killed after `timeoutMs`). */
export function ssh(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = spawn('ssh', [...SSH_BASE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** An interactive `ssh -tt` whose screen is collected; `waitFor` polls it. */
export function sshInteractive(args: string[]): {
  child: ChildProcess;
  screen: () => string;
  send: (s: string) => void;
  waitFor: (re: RegExp, timeoutMs?: number, from?: number) => Promise<void>;
  closed: Promise<number | null>;
} {
  const child = spawn('ssh', [...SSH_BASE, '-tt', '-e', 'none', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (screen += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return {
    child,
    screen: () => stripAnsi(screen),
    send: (s) => void child.stdin!.write(s),
    waitFor: async (re, timeoutMs = 10_000, from = 0) => {
      const end = Date.now() + timeoutMs;
      while (!re.test(stripAnsi(screen).slice(from))) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`timed out waiting for ${re}; screen:\n${screen}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    closed,
  };
}

export const testCommands: CommandTable = {
  seats: {
    help: 'seats [--zone Z]: list the seats',
    run(args, io) {
      const zone = args[0] === '--zone' ? args[1] : undefined;
      const seats = ['12A', '12B', '30J', '31J'].filter((s) => zone === undefined || s.endsWith(zone));
      for (const s of seats) io.out(`${s} ok\n`);
      return seats.length > 0 ? 0 : 3;
    },
  },
  health: { help: 'health: subsystem health', run: (_a, io) => (io.out('all ok\n'), 0) },
  boom: { help: 'boom: a command that throws', run: () => { throw new Error('kaboom'); } },
  follow: {
    help: 'follow: prints until Ctrl-C',
    run: (_a, io) =>
      new Promise<number>((resolve) => {
        const t = setInterval(() => io.out('tick\n'), 100);
        io.signal.addEventListener('abort', () => {
          clearInterval(t);
          io.out('stopped\n');
          resolve(130);
        });
      }),
  },
};

export interface Harness {
  server: ConsoleServer;
  dir: string;
  keysFile: string;
  tech: { path: string; pub: string };
  reader: { path: string; pub: string };
  stranger: { path: string; pub: string };
  audit: AuditEntry[];
  scope: Record<string, unknown>;
  stop: () => Promise<void>;
}

export async function startConsole(extra: Partial<ConsoleServerOptions> = {}): Promise<Harness> {
  const t = await tempDir();
  const [tech, reader, stranger] = await Promise.all([
    sshKeygen(t.dir, 'tech_key'),
    sshKeygen(t.dir, 'reader_key'),
    sshKeygen(t.dir, 'stranger_key'),
  ]);
  const keysFile = join(t.dir, 'authorized_keys');
  await writeFile(
    keysFile,
    `# console keys\npurser-role="technician",purser-name="alice" ${tech.pub}\npurser-role="readonly" ${reader.pub}\n`,
  );
  const audit: AuditEntry[] = [];
  const scope: Record<string, unknown> = { cabin: { seats: new Map([['12A', { state: 'ok' }]]), counter: 0 } };
  const server = new ConsoleServer({
    host: '127.0.0.1',
    port: 0,
    stateDir: join(t.dir, 'state'),
    authorizedKeysFile: keysFile,
    scope,
    commands: testCommands,
    audit: (e) => audit.push(e),
    log: { info: () => undefined, warn: () => undefined },
    ...extra,
  });
  await server.start();
  return {
    server, dir: t.dir, keysFile, tech, reader, stranger, audit, scope,
    stop: async () => {
      await server.stop();
      await t.cleanup();
    },
  };
}

export function target(h: Harness, key: { path: string }, user = 'tech'): string[] {
  return ['-i', key.path, '-p', String(h.server.port), `${user}@127.0.0.1`];
}
