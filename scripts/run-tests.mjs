#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test under tsx. Node 20's runner has no glob
// support, so we find the files ourselves. Pass file or folder paths to run a subset.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Files that start and stop the machine's one systemd-udevd and use loop devices: run one at a
// time, before the rest, so one file never stops the udevd another is listening through.
const ONE_AT_A_TIME = ['test/hardware/usb/', 'test/content/drive-e2e.test.ts'];
const alone = files.filter((f) => ONE_AT_A_TIME.some((p) => f.includes(p)));
// The longest files (Chromium, VLC, the soaks) start first, so none of them is left running alone at the end.
const LONG_FIRST = [/\.browser\.test\.ts$/, /sse-backpressure|e2e\/|channels\/feature|cli\/demo|cli\/moves|cli\/firmware-import|pin-hash-cli|seat-poll-fuzz|cli\/cli\.test/];
const rank = (f) => {
  const i = LONG_FIRST.findIndex((re) => re.test(f));
  return i < 0 ? LONG_FIRST.length : i;
};
const together = files.filter((f) => !alone.includes(f)).sort((a, b) => rank(a) - rank(b));
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const run = (list, n) =>
  list.length === 0
    ? 0
    : (spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${n}`, '--test-reporter=spec', ...list], {
        stdio: 'inherit',
        env: { ...process.env, NODE_ENV: 'test' },
      }).status ?? 1);
const first = run(alone, 1);
const second = run(together, concurrency);
process.exit(first || second);
