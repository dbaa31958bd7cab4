import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnReady } from './spawn-ready.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface RunningController {
  url: string;
  pid: number;
  stateDir: string;
  /** Stops the controller and removes its temporary state dir. */
  stop(): Promise<void>;
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

/**
 * Runs `purser run` from source as its own process, so its CPU and memory can
 * be measured apart from the load, with state in a fresh temp dir and HTTP on
 * 127.0.0.1 at an ephemeral port. `config` is merged over that.
 */
export async function startController(config: Record<string, unknown> = {}): Promise<RunningController> {
  const stateDir = await mkdtemp(join(tmpdir(), 'purser-bench-'));
  const configPath = join(stateDir, 'bench-config.yaml');
  await writeFile(configPath, stringify({ stateDir, http: { host: '127.0.0.1', port: 0 }, console: { port: 0 }, vlc: { enabled: false }, ...config }));
  try {
    const ready = await spawnReady(process.execPath, [...controllerNodeArgs(), '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', configPath], {
      ready: /listening on (http:\/\/\S+)/,
      cwd: ROOT,
      env: { ...process.env, PURSER_LOG_LEVEL: process.env.PURSER_LOG_LEVEL ?? 'warn' },
    });
    return {
      url: ready.match[1]!,
      pid: ready.pid,
      stateDir,
      async stop() {
        await ready.stop();
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
}
