// A node:test reporter that prints how long each test file's tests ran, slowest first, to keep the
// suite within its budget. Node 20 reports no event for a whole file (and passes a file's events on
// in a batch), so a file's time is the sum of its top-level tests and suites (a suite's time includes
// its hooks); the process start and top-level hooks are not in it.
export default async function* fileTimes(source) {
  const files = new Map();
  for await (const e of source) {
    const file = e.data?.file;
    if (!file || (e.type !== 'test:pass' && e.type !== 'test:fail')) continue;
    const f = files.get(file) ?? { ms: 0, tests: 0, failed: 0 };
    if (e.data.details?.type !== 'suite') f.tests++;
    if (e.type === 'test:fail' && e.data.details?.type !== 'suite') f.failed++;
    if (e.data.nesting === 0) f.ms += e.data.details?.duration_ms ?? 0;
    files.set(file, f);
  }
  const rows = [...files].map(([file, f]) => ({ file: file.replace(process.cwd() + '/', ''), ...f }));
  rows.sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0) / 1000;
  yield `${rows.length} files, ${total.toFixed(0)} s of tests in all; the slowest first (seconds, tests, failed):\n`;
  for (const r of rows) yield `${(r.ms / 1000).toFixed(1).padStart(7)}  ${String(r.tests).padStart(4)}  ${String(r.failed).padStart(3)}  ${r.file}\n`;
}
