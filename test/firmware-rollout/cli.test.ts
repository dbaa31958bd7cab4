import assert from 'node:assert/strict';
import { it } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { command } from '../../src/cli/commands/firmware.js';

const dead = ['--controller', 'http://127.0.0.1:9', '--token', 'x'.repeat(20)];

it('refuses a rollout that does not say where or whether it is on the ground, before asking the controller', async () => {
  const cases: [string[], RegExp][] = [
    [['rollout', 'gp3', '2.5.0', '--seats', 'all'], /--on-ground/],
    [['rollout', 'gp3', '2.5.0', '--seats', 'all', '--on-ground', '--force-in-flight'], /--on-ground/],
    [['rollout', 'gp3', '2.5.0', '--on-ground'], /--seats all/],
    [['rollout', 'gp3', '2.5.0', '--seats', 'all', '--zone', 'J', '--on-ground'], /--seats all/],
    [['rollout', 'gp3', '2.5.0', '--seats', 'all', '--on-ground', '--batch', 'many'], /--batch must be a number/],
    [['import', 'image.img', '--model', 'gp3'], /--version/],
    [['explode'], /unknown subcommand/],
  ];
  for (const [args, message] of cases) await assert.rejects(command.run([...args, ...dead]), (e: Error) => e instanceof UsageError && message.test(e.message), args.join(' '));
});

it('says it cannot reach the controller, with exit status 1', async () => {
  const err = console.error;
  let said = '';
  console.error = (m: string) => void (said += m);
  try {
    assert.equal(await command.run(['status', ...dead]), 1);
  } finally {
    console.error = err;
  }
  assert.match(said, /cannot reach the controller at http:\/\/127\.0\.0\.1:9/);
});
