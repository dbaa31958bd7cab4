import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { UsageError } from '../../../src/cli/command.js';
import { command } from '../../../src/cli/commands/sim.js';
import { ACTIONS } from '../../../src/sim/action-text.js';
import { commandsFeature } from '../../../src/commands/feature.js';
import { paFeature } from '../../../src/pa/feature.js';
import { randomPort, TEST_TOKEN } from '../../helpers/commands.js';
import { startTestController, TEST_SECRET } from '../../helpers/controller.js';
import { startFakeController } from '../../sim/fake-controller.js';

const secret = randomBytes(32);
const hex = secret.toString('hex');
const base = ['--controller', 'http://127.0.0.1:9', '--secret', hex];

test('bad command lines are usage errors that say what is wrong', async () => {
  const refused = (args: string[], message: RegExp) =>
    assert.rejects(command.run(args), (err: Error) => err instanceof UsageError && message.test(err.message), args.join(' '));
  await refused(['--controller', 'https://127.0.0.1:8443', '--secret', hex], /must be http:\/\//);
  await refused(['--controller', 'nowhere', '--secret', hex], /"nowhere" is not a URL/);
  await refused([...base, '--secret-file', '/tmp/cabin.secret'], /--secret or --secret-file, not both/);
  await refused(['--controller', 'http://127.0.0.1:9', '--secret', 'abcd'], /at least 16 bytes/);
  await refused(['--controller', 'http://127.0.0.1:9', '--secret-file', '/nonexistent/cabin.secret'], /cannot read the cabin secret: .*ENOENT/);
  await refused([...base, '--seats', '0'], /--seats must be a whole number from 1 to 5994/);
  await refused([...base, '--drop', '2'], /drop probability/);
  await refused([...base, '--call', '51A'], /no seat 51A among the 300/);
  await refused([...base, '--bogus'], /Unknown option '--bogus'/);
});

test('the help names every option and behaviour the command accepts', () => {
  const flags = ['--controller', '--seats', '--secret', '--secret-file', '--command-group', '--multicast-interface', '--status-ms', '--stdin'];
  for (const flag of [...flags, ...Object.keys(ACTIONS).map((a) => `--${a} `)]) {
    assert.ok(command.help.includes(flag), `the help does not mention ${flag}`);
  }
});

/** Runs `purser sim ARGS` as its own process, as a user would. */
function runSim(args: string[]) {
  const sim = fileURLToPath(new URL('../../../src/cli/commands/sim.ts', import.meta.url));
  const script = `const { command } = await import(${JSON.stringify(sim)}); process.exitCode = await command.run(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const until = async (stream: 'stdout' | 'stderr', pattern: RegExp) => {
    while (!pattern.test(stream === 'stdout' ? stdout : stderr)) await once(child[stream], 'data');
  };
  return { child, until, output: () => ({ stdout, stderr }) };
}

test('purser sim polls the controller, reports status, takes behaviours on stdin and stops cleanly on SIGTERM', { timeout: 30_000 }, async (t) => {
  const fake = await startFakeController(secret, 50);
  t.after(() => fake.close());
  const { child, until, output } = runSim([
    '--controller', fake.url, '--secret', hex, '--seats', '12', '--status-ms', '300', '--bad-signer', '1A', '--stdin',
  ]);
  t.after(() => child.kill('SIGKILL'));

  await fake.next((p) => p.seat === '2F');
  await until('stdout', /^12 seats .* errors \d+ \(401×\d+\)/m);
  child.stdin.write('call 2B\n');
  await fake.next((p) => p.seat === '2B' && p.inputs.call.on);
  child.stdin.write('wave 2B\n');
  await until('stderr', /unknown action "wave"/);

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output().stderr);
  assert.ok(!fake.polls.some((p) => p.seat === '1A'), 'the bad signer got through');
});

test('purser sim --play-pa: the controller hears the voice, and the simulated seats go to PA and come back when it ends', { timeout: 60_000 }, async (t) => {
  const cmdPort = randomPort();
  const paPort = randomPort();
  const commands = commandsFeature();
  const tc = await startTestController(
    {
      cabin: { secret: TEST_SECRET },
      api: { token: TEST_TOKEN },
      commands: { port: cmdPort },
      pa: { hangoverMs: 400, sources: [{ name: 'cabin', group: '239.255.20.1', port: paPort }] },
    },
    [commands, paFeature()],
  );
  t.after(() => tc.stop());
  const { registry } = tc.controller.ctx;
  const seats = ['1A', '1B', '1C', '1D', '1E', '1F'];
  const states = () => seats.map((s) => registry.get(s)?.media?.state);
  const { child, until, output } = runSim([
    '--controller', tc.url, '--secret', TEST_SECRET, '--seats', '6', '--status-ms', '0',
    '--command-group', `239.255.10.1:${cmdPort}`, '--stdin',
  ]);
  t.after(() => child.kill('SIGKILL'));
  // The sim is a fresh process (tsx compiling on start): on a loaded CI machine its first polls can take a while.
  await waitUntil(() => states().every((s) => s !== undefined), 30_000);

  child.stdin.write(`play-pa 239.255.20.1/${paPort}:2:PCMU\n`);
  await until('stdout', /PA: playing a voice into 239\.255\.20\.1:\d+ for 2 s \(PCMU\)/);
  await waitUntil(() => states().every((s) => s === 'pa'));
  const pa = (await (await fetch(`${tc.url}/api/v1/pa`)).json()) as { inUse: boolean; active: { source: string } | null };
  assert.equal(pa.active?.source, 'cabin');
  await until('stdout', /PA: 239\.255\.20\.1:\d+ done, \d+ RTP packets/);
  await waitUntil(() => states().every((s) => s !== 'pa'));

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output().stderr);
});

async function waitUntil(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
