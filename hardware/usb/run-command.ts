import { spawn } from 'node:child_process';

/**
 * Runs a short-lived tool (udevadm info/settle, mount, umount) to completion
 * with a deadline. It runs in its own process group, so a timeout or an abort
 * kills it and anything it started; nothing is left behind.
 */

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: CommandResult | undefined,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Output beyond this is dropped: the tools we run print little, a runaway one must not fill memory. */
const MAX_OUTPUT = 32 * 1024 * 1024;

export function runCommand(
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new CommandError(`${file}: aborted`, undefined));
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      if ((size += b.length) <= MAX_OUTPUT) into.push(b);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let why: string | undefined;
    const kill = (reason: string) => {
      why ??= reason;
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new CommandError(`${file}: ${e.message}`, undefined));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const result = { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (why) reject(new CommandError(`${file} ${args.join(' ')}: ${why}`, result));
      else resolve(result);
    });
  });
}

/** Like runCommand, but a non-zero exit is an error carrying the tool's own message. */
export async function runChecked(file: string, args: readonly string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult> {
  const r = await runCommand(file, args, opts);
  if (r.code !== 0) {
    const msg = r.stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${r.code ?? r.signal}`;
    throw new CommandError(`${file} ${args.join(' ')}: ${msg}`, r);
  }
  return r;
}
