import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { spawnReady } from './spawn-ready.js';

/** This checkout. */
export const OWN_ROOT = new URL('../../', import.meta.url).pathname;

export interface RunningController {
  url: string;
  pid: number;
  stateDir: string;
  /** Top-level sections of `optionalConfig` this checkout's controller does not know, so left out. */
  leftOut: string[];
  /** Stops the controller and removes its temporary state dir. */
  stop(): Promise<void>;
}

export interface StartControllerOptions {
  /**
   * The checkout to run the controller from (its src/cli/main.ts, its own
   * node_modules); default this one. Lets a bench measure another commit
   * (`git worktree add`) with this checkout's load.
   */
  root?: string;
  /**
   * Sections merged over `config` only if the controller knows them, e.g. an
   * off switch for a feature an older commit does not have: a section the
   * controller refuses as an unknown top-level key is left out and the start retried.
   */
  optionalConfig?: Record<string, unknown>;
  /** How long start-up may take (a 20,000-seat layout takes a while on a busy machine). Default 60 s. */
  readyTimeoutMs?: number;
}

/**
 * Extra Node flags for the controller only, from BENCH_CONTROLLER_NODE_ARGS
 * (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it
 * under a bench's load: NODE_OPTIONS refuses such flags, and would reach the
 * load generator too.
 */
function controllerNodeArgs(): string[] {
  return (process.env.BENCH_CONTROLLER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
}

/** The commit a checkout is at, and whether its tracked files differ from it (null if it is not a git checkout). */
export function checkoutVersion(root: string): { commit: string; subject: string; dirty: boolean } | null {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', 'HEAD'), subject: git('log', '-1', '--format=%s'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return null;
  }
}

/** The top-level key a controller's "bad config" message names as unknown, if that is what it said. */
export function unknownTopLevelKey(output: string): string | undefined {
  // Both the older (JSON Schema) and the TypeBox loader say "<key path>: unknown key"; a top-level path has no dot.
  return /(?:^|[\s:])([A-Za-z_$][\w$]*): unknown key/m.exec(output)?.[1];
}

/**
 * Runs `purser run` from source as its own process, so its CPU and memory can
 * be measured apart from the load, with state in a fresh temp dir and HTTP on
 * 127.0.0.1 at an ephemeral port. `config` is merged over that.
 */
export async function startController(config: Record<string, unknown> = {}, opts: StartControllerOptions = {}): Promise<RunningController> {
  const root = resolve(opts.root ?? OWN_ROOT);
  const main = join(root, 'src/cli/main.ts');
  if (!existsSync(main)) throw new Error(`${root} is not a Purser checkout: no src/cli/main.ts`);
  // VLC off and the SSH console on a free port (benches run controllers side by side); left out where a checkout does not know them.
  const optional: Record<string, unknown> = { console: { port: 0 }, vlc: { enabled: false }, ...opts.optionalConfig };
  const leftOut: string[] = [];
  const stateDir = await mkdtemp(join(tmpdir(), 'purser-bench-'));
  const configPath = join(stateDir, 'bench-config.yaml');
  try {
    for (;;) {
      // The bench's own sections win over the optional defaults (bench:channels turns VLC on).
      await writeFile(configPath, stringify({ stateDir, http: { host: '127.0.0.1', port: 0 }, ...optional, ...config }));
      try {
        const ready = await spawnReady(process.execPath, [...controllerNodeArgs(), '--import', 'tsx', main, 'run', '--config', configPath], {
          ready: /listening on (http:\/\/\S+)/,
          cwd: root,
          timeoutMs: opts.readyTimeoutMs ?? 60_000,
          env: { ...process.env, PURSER_LOG_LEVEL: process.env.PURSER_LOG_LEVEL ?? 'warn' },
        });
        // Seats are answered before the peripheral services finish starting (src/app/background-starts.ts):
        // a bench measures the whole controller, so it waits for them.
        await everyServiceStarted(ready.match[1]!, opts.readyTimeoutMs ?? 60_000);
        return {
          url: ready.match[1]!,
          pid: ready.pid,
          stateDir,
          leftOut,
          async stop() {
            await ready.stop();
            await rm(stateDir, { recursive: true, force: true });
          },
        };
      } catch (err) {
        const key = unknownTopLevelKey((err as Error).message);
        if (key === undefined || !(key in optional)) throw err;
        delete optional[key];
        leftOut.push(key);
      }
    }
  } catch (err) {
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
}

/** Until GET /api/v1/health names no service `starting` (a checkout without that state passes at once). */
async function everyServiceStarted(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const h = (await (await fetch(`${url}/api/v1/health`)).json()) as { services?: Record<string, { state: string }> };
      if (!Object.values(h.services ?? {}).some((s) => s.state === 'starting')) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > end) throw new Error(`the controller's services did not all start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
