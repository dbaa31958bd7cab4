import { readFile } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { hashPin, PIN_PATTERN, verifyPin } from '../../auth/pin-hash.js';
import { isPersonName, isReservedName, PERSON_NAME_RULE, personNameKey } from '../../auth/person-name.js';
import { checkPanelSection, configuredPins, type PanelConfig } from '../../panel/config.js';
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

interface Person {
  name: string;
  role: 'crew' | 'technician';
}

function personOf(name: string | undefined, role: string | undefined): Person | undefined {
  if (name === undefined) {
    if (role !== undefined) throw new UsageError('--role goes with --name: a role PIN of its own is panel.crewPinHash or panel.technicianPinHash');
    return undefined;
  }
  if (!isPersonName(name)) throw new UsageError(`--name must be ${PERSON_NAME_RULE}`);
  if (isReservedName(name)) throw new UsageError(`--name "${name}" is what the shared ${personNameKey(name)} PIN's sessions are called: give the person's own name`, false);
  const r = role ?? 'crew';
  if (r !== 'crew' && r !== 'technician') throw new UsageError('--role must be crew or technician');
  return { name, role: r };
}

/** The config's panel section, checked as the controller would; its PINs are what a new one must differ from. */
async function panelOf(file: string): Promise<PanelConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]}`, false);
  }
  const panel = ((raw as { panel?: unknown } | null)?.panel ?? {}) as PanelConfig;
  if (typeof panel !== 'object' || (panel.people !== undefined && !Array.isArray(panel.people))) throw new UsageError(`${file}: panel is not a mapping with a people list`, false);
  const problem = checkPanelSection(panel)[0];
  if (problem) throw new UsageError(`${file}: ${problem.keyPath}: ${problem.reason} (fix that first)`, false);
  return panel;
}

/** Refuses a PIN or a name the config already has: salted hashes hide a shared PIN from every check but this one, made while the PIN is known. */
async function checkAgainst(file: string, pin: string, person: Person | undefined): Promise<void> {
  const panel = await panelOf(file);
  if (person) {
    const i = (panel.people ?? []).findIndex((p) => personNameKey(p.name) === personNameKey(person.name));
    if (i >= 0) throw new UsageError(`"${person.name}" is already panel.people.${i} (${panel.people![i]!.name}) in ${file}: replace that entry's pinHash instead`, false);
  }
  for (const h of configuredPins(panel)) {
    if (await verifyPin(pin, h.hash)) throw new UsageError(`that PIN is already ${h.keyPath} in ${file}: choose another (nothing was printed)`, false);
  }
}

export const command: CliCommand = {
  name: 'pin-hash',
  summary: 'print the scrypt hash of a panel PIN, or a person\'s panel.people entry, for the config',
  help: `Usage: purser pin-hash [--name NAME [--role crew|technician]] [--config FILE]

Reads a PIN (4 to 12 digits) and prints its scrypt hash, for the config:

  panel:
    crewPinHash: "scrypt$32768$8$1$..."
    technicianPinHash: "scrypt$32768$8$1$..."

With --name, prints a person's entry for panel.people instead (role crew unless
--role technician); what they do on the panel is recorded under their name:

  $ purser pin-hash --name "A. Okafor" --role crew
  - name: A. Okafor
    role: crew
    pinHash: scrypt$32768$8$1$...

With --config, refuses a PIN that the config already has (a person's or a role's)
and a name already in panel.people: each PIN must say who someone is.

At a terminal it asks twice and does not echo; otherwise it reads the first line
of stdin (echo 482913 | purser pin-hash). The PIN itself is never stored.
Each run uses a new random salt, so the same PIN gives a different hash.`,
  async run(args) {
    const { values } = parseOptions(args, { name: { type: 'string' }, role: { type: 'string' }, config: { type: 'string' } });
    const person = personOf(values.name, values.role);
    const pin = await readPin();
    if (!PIN_PATTERN.test(pin)) throw new UsageError('a PIN is 4 to 12 digits (the panel has a number pad)');
    if (values.config !== undefined) await checkAgainst(values.config, pin, person);
    const pinHash = await hashPin(pin);
    // yaml quotes what needs it (a name of digits, a colon), so the entry pastes as it reads.
    console.log(person ? toYaml([{ name: person.name, role: person.role, pinHash }]).trimEnd() : pinHash);
    return 0;
  },
};
