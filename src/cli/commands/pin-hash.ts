import type { ReadStream } from 'node:tty';
import { hashPin, PIN_PATTERN } from '../../auth/pin-hash.js';
import { UsageError, type CliCommand } from '../command.js';
import { parseOptions } from '../options.js';

/** Reads one line from a terminal without echoing it (raw mode, so nothing is printed as it is typed). */
function promptHidden(prompt: string, input: ReadStream = process.stdin as ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    // Echo off before the prompt shows, so nothing typed in answer to it can appear.
    input.setRawMode(true);
    process.stderr.write(prompt);
    input.resume();
    let typed = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of piped stdin, so `echo 482913 | purser pin-hash` works in scripts. */
async function firstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function readPin(): Promise<string> {
  if (!process.stdin.isTTY) return firstLine();
  const pin = await promptHidden('PIN (4 to 12 digits): ');
  if (!PIN_PATTERN.test(pin)) return pin;
  if ((await promptHidden('Same PIN again: ')) !== pin) throw new UsageError('the two PINs differ; nothing was printed');
  return pin;
}

export const command: CliCommand = {
  name: 'pin-hash',
  summary: 'print the scrypt hash of a panel PIN, for the config',
  help: `Usage: purser pin-hash

Reads a PIN (4 to 12 digits) and prints its scrypt hash, for the config:

  panel:
    crewPinHash: "scrypt$32768$8$1$..."
    technicianPinHash: "scrypt$32768$8$1$..."

At a terminal it asks twice and does not echo; otherwise it reads the first line
of stdin (echo 482913 | purser pin-hash). The PIN itself is never stored.
Each run uses a new random salt, so the same PIN gives a different hash.`,
  async run(args) {
    parseOptions(args, {});
    const pin = await readPin();
    if (!PIN_PATTERN.test(pin)) throw new UsageError('a PIN is 4 to 12 digits (the panel has a number pad)');
    console.log(await hashPin(pin));
    return 0;
  },
};
