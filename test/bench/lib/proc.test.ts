import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuPercent, hostCpuPercent, hostCpuTicks, openFileLimit, sampleHostCpu, sampleProc, statTicks, statusRssBytes } from '../../../bench/lib/proc.js';

test('CPU ticks are read past a command name holding spaces and parentheses', () => {
  const stat = '4242 (node (tsx) x) S 1 4242 4242 0 -1 4194304 1520 0 0 0 731 169 0 0 20 0 11 0 1234 1073741824 30000';
  assert.equal(statTicks(stat), 731 + 169);
  assert.throws(() => statTicks('garbage'), /unreadable/);
});

test('RSS comes from VmRSS in kB', () => {
  assert.equal(statusRssBytes('Name:\tnode\nVmRSS:\t  131072 kB\nThreads:\t11\n'), 128 * 2 ** 20);
});

test('a busy process shows CPU use that agrees with its own count of CPU time', () => {
  const from = sampleProc(process.pid);
  const used0 = process.cpuUsage();
  const usedMs = () => {
    const u = process.cpuUsage(used0);
    return (u.user + u.system) / 1000;
  };
  // Burn 200 ms of CPU time, however long that takes on a busy machine.
  while (usedMs() < 200);
  const to = sampleProc(process.pid);
  const measured = to.cpuMs - from.cpuMs;
  // /proc counts in 10 ms ticks, and the process's other threads count too.
  assert.ok(measured >= 150 && measured < 400, `/proc says ${measured} ms of CPU for ${usedMs()} ms burnt`);
  assert.ok(cpuPercent(from, to) > 0);
  assert.ok(to.rssBytes > 10 * 2 ** 20);
});

test('host CPU: busy is all but idle and iowait, over every core', () => {
  const a = hostCpuTicks('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\nintr 1 2\n');
  assert.deepEqual(a, { busy: 150, total: 1000 });
  const b = hostCpuTicks('cpu  250 0 100 1050 100 0 0 0 0 0\n');
  assert.equal(hostCpuPercent(a, b), 40); // 200 of 500 more ticks were busy
  assert.throws(() => hostCpuTicks('intr 1 2\n'), /no cpu line/);
  const now = sampleHostCpu();
  assert.ok(now.total > 0 && now.busy <= now.total);
});

test('the open-file limit is the shell\'s ulimit -n', () => {
  const limit = openFileLimit();
  assert.ok(limit === Infinity || (Number.isInteger(limit) && limit > 0), `limit ${limit}`);
});
