#!/usr/bin/env node
import type { CliCommand } from './command.js';
import { UsageError } from './command.js';
import { didYouMean } from './suggest.js';

/** Sub-commands, loaded lazily so `purser seats` does not load the controller. */
const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  run: () => import('./commands/run.js'),
  demo: () => import('./commands/demo.js'),
  sim: () => import('./commands/sim.js'),
  firmware: () => import('./commands/firmware.js'),
  content: () => import('./commands/content.js'),
  seats: () => import('./commands/seats.js'),
  seat: () => import('./commands/seat.js'),
  health: () => import('./commands/health.js'),
  command: () => import('./commands/command.js'),
  safety: () => import('./commands/safety.js'),
  commands: () => import('./commands/commands.js'),
  moves: () => import('./commands/moves.js'),
  'pin-hash': () => import('./commands/pin-hash.js'),
  'mount-helper': () => import('./commands/mount-helper.js'),
};

async function usage(): Promise<string> {
  const lines = ['purser: in-flight-entertainment cabin controller', '', 'Usage: purser <command> [options]', '', 'Commands:'];
  for (const name of Object.keys(COMMANDS)) {
    const { command } = await COMMANDS[name]!();
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  }
  lines.push('', 'Run `purser <command> --help` for its options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    const near = didYouMean(name, Object.keys(COMMANDS));
    console.error(near ? `purser: unknown command "${name}": did you mean \`purser ${near}\`?` : `purser: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const plain = plainParseError((e as Error).message);
      console.error(e instanceof UsageError && !e.showHelp ? `purser ${name}: ${plain}\n(see \`purser ${name} --help\`)` : `purser ${name}: ${plain}\n\n${command.help}`);
      return 2;
    }
    throw e;
  }
}

/** node:util parseArgs speaks of "Unknown option '--x'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--x\"'": keep the first sentence. */
function plainParseError(message: string): string {
  return message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Option '(--[\w-]+)(?: <value>)?' argument missing$/, '$1 needs a value');
}

// `purser seats | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(`purser: ${e.message}`);
    process.exitCode = 1;
  },
);
