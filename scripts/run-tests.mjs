#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test under tsx. Node 20's runner has no glob
// support, so we find the files ourselves. Pass file or folder paths to run a subset.
import { spawn } from 'node:child_process';
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

// --typecheck: tsc runs beside the first phase (the udev files wait on devices more than they compute),
// not before everything: it takes about 25 s of one core.
const typecheck = process.argv.includes('--typecheck');
const roots = process.argv.slice(2).filter((a) => a !== '--typecheck');
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Files that start and stop the machine's one systemd-udevd and use loop devices: run one at a
// time, before the rest, so one file never stops the udevd another is listening through.
const ONE_AT_A_TIME = ['test/hardware/usb/', 'test/content/drive-e2e.test.ts', 'test/e2e/power-cut.test.ts'];
const alone = files.filter((f) => ONE_AT_A_TIME.some((p) => f.includes(p)));
// The longest files (Chromium, VLC, the soaks) start first, so none of them is left running alone at the end.
const LONG_FIRST = [/\.browser\.test\.ts$/, /sse-backpressure|e2e\/|channels\/feature|cli\/demo|cli\/moves|cli\/firmware-import|pin-hash-cli|seat-poll-fuzz|cli\/cli\.test/];
const rank = (f) => {
  const i = LONG_FIRST.findIndex((re) => re.test(f));
  return i < 0 ? LONG_FIRST.length : i;
};
const together = files.filter((f) => !alone.includes(f)).sort((a, b) => rank(a) - rank(b));
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// TEST_FILE_TIMES=PATH also writes each file's wall time there, slowest first (two lists: the files run alone, then the rest).
const times = process.env.TEST_FILE_TIMES;
const timesArgs = (phase) =>
  times ? ['--test-reporter-destination=stdout', `--test-reporter=${join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'file-times-reporter.mjs')}`, `--test-reporter-destination=${times}.${phase}`] : [];
const args = (list, n, phase) => ['--import', 'tsx', '--test', `--test-concurrency=${n}`, '--test-reporter=spec', ...timesArgs(phase), ...list];
const env = { ...process.env, NODE_ENV: 'test' };
/** One phase in a child; its output is kept (when `keep`) so two phases' lines do not interleave. */
const runPhase = (list, n, phase, keep) =>
  list.length === 0
    ? Promise.resolve({ code: 0, out: '' })
    : new Promise((resolve) => {
        const child = spawn(process.execPath, args(list, n, phase), { stdio: ['ignore', keep ? 'pipe' : 'inherit', keep ? 'pipe' : 'inherit'], env });
        let out = '';
        if (keep) {
          child.stdout.on('data', (b) => (out += b));
          child.stderr.on('data', (b) => (out += b));
        }
        child.on('error', (e) => resolve({ code: 1, out: out + String(e) }));
        child.on('exit', (code) => resolve({ code: code ?? 1, out }));
      });
const typeCheck = () =>
  typecheck
    ? new Promise((resolve) => {
        let out = '';
        const child = spawn(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (b) => (out += b));
        child.stderr.on('data', (b) => (out += b));
        child.on('error', (e) => resolve({ code: 1, out: out + String(e) }));
        child.on('exit', (code) => resolve({ code: code ?? 1, out }));
      })
    : Promise.resolve({ code: 0, out: '' });

// TEST_PHASES=beside (the default): the udev files run one at a time BESIDE the rest (they wait on
// devices far more than they compute; only they share udevd and loop devices), and tsc beside both.
// TEST_PHASES=serial: the udev files first, then the rest, as before.
const beside = (process.env.TEST_PHASES ?? 'beside') !== 'serial';
const tsc = typeCheck();
let first, second;
if (beside) {
  const alonePhase = runPhase(alone, 1, 'alone', true);
  second = await runPhase(together, concurrency, 'together', false);
  first = await alonePhase;
  console.log(`\n--- the files run one at a time beside the rest (udevd, loop devices): ${alone.length} files ---`);
  process.stdout.write(first.out);
} else {
  first = await runPhase(alone, 1, 'alone', false);
  second = await runPhase(together, concurrency, 'together', false);
}
const typed = await tsc;
console.log(typed.code === 0 ? (typecheck ? 'typecheck: no errors' : '') : `typecheck FAILED:\n${typed.out}`);
process.exit(first.code || second.code || typed.code);
