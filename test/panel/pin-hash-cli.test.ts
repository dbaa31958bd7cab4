import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/app/config.js';
import { hashPin, parsePinHash, verifyPin } from '../../src/auth/pin-hash.js';
import { configuredPins } from '../../src/panel/config.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const RUN = `import { command } from './src/cli/commands/pin-hash.ts'; process.exitCode = await command.run([]);`;
const NODE_ARGS = ['--import', 'tsx', '--input-type=module', '-e', RUN];
/** `purser pin-hash ...` through the CLI's own entry (its usage errors exit 2). */
const withArgs = (...args: string[]): string[] => ['--import', 'tsx', 'src/cli/main.ts', 'pin-hash', ...args];
const piped = (args: string[], pin: string) => run([process.execPath, args], (o, stdin) => o === '' && stdin.end(`${pin}\n`));

/** Runs the command; `answer` is called with all output so far and may write to stdin. */
function run(argv: [string, string[]], answer: (out: string, stdin: NodeJS.WritableStream) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(argv[0], argv[1], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      answer(out, p.stdin);
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code, out, err }));
    answer(out, p.stdin);
  });
}

describe('purser pin-hash', () => {
  it('hashes a PIN piped on stdin into a hash the controller accepts', async () => {
    const { code, out } = await run([process.execPath, NODE_ARGS], (o, stdin) => o === '' && stdin.end('482913\n'));
    assert.equal(code, 0);
    const hash = out.trim();
    assert.match(hash, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPin('482913', parsePinHash(hash)), true);
    assert.doesNotMatch(out, /482913/, 'the PIN itself is never printed');
  });

  it('refuses a PIN that is not 4-12 digits', async () => {
    const { code, out, err } = await run([process.execPath, NODE_ARGS], (o, stdin) => o === '' && stdin.end('12ab\n'));
    assert.notEqual(code, 0);
    assert.equal(out, '');
    assert.match(err, /a PIN is 4 to 12 digits/);
  });

  it('at a terminal, asks twice without echoing the PIN', { skip: process.platform !== 'linux' && 'needs util-linux script(1) for a pty' }, async () => {
    let sent = 0;
    const cmd = `${process.execPath} ${NODE_ARGS.slice(0, 4).join(' ')} "${RUN.replace(/"/g, '\\"')}"`;
    const { code, out } = await run(['script', ['-qec', cmd, '/dev/null']], (o, stdin) => {
      const prompts = (o.match(/PIN \(4 to 12 digits\): |Same PIN again: /g) ?? []).length;
      for (; sent < prompts; sent++) stdin.write('4826\r');
      if (/scrypt\$/.test(o) && /\n/.test(o.slice(o.indexOf('scrypt$')))) stdin.end();
    });
    assert.equal(code, 0);
    assert.equal(sent, 2);
    assert.doesNotMatch(out, /4826/, 'nothing typed is echoed');
    const hash = /scrypt\$\S+/.exec(out)![0];
    assert.equal(await verifyPin('4826', parsePinHash(hash)), true);
  });

  it('with --name and --role, prints a panel.people entry the config takes as it is', async () => {
    const { code, out } = await piped(withArgs('--name', 'A. Okafor', '--role', 'technician'), '482913');
    assert.equal(code, 0);
    assert.doesNotMatch(out, /482913/);
    const people = parseYaml(out) as unknown[];
    const { config } = validateConfig({ panel: { people } }, { stateDir: '/tmp/purser-test-pin-hash' });
    const [h] = configuredPins(config.panel);
    assert.deepEqual({ person: h?.person, role: h?.role }, { person: 'A. Okafor', role: 'technician' });
    assert.equal(await verifyPin('482913', h!.hash), true);
    // A name YAML would read as something else comes out quoted.
    const digits = await piped(withArgs('--name', '1234'), '482913');
    assert.equal((parseYaml(digits.out) as { name: unknown; role: string }[])[0]?.name, '1234');
    assert.equal((parseYaml(digits.out) as { role: string }[])[0]?.role, 'crew', 'crew unless told');
  });

  it('refuses a bad name or role before asking for the PIN', async () => {
    for (const [args, why] of [
      [['--name', ' A  B'], /--name must be a person's name/],
      [['--name', 'Technician'], /shared technician PIN/],
      [['--name', 'A. Okafor', '--role', 'purser'], /--role must be crew or technician/],
      [['--role', 'crew'], /--role goes with --name/],
    ] as const) {
      const r = await piped(withArgs(...args), '482913');
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.out, '');
      assert.match(r.err, why);
    }
  });

  it('with --config, refuses a PIN or a name that config already has, and takes a new one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-pin-hash-'));
    const file = join(dir, 'purser.yaml');
    const cheap = { N: 1024, r: 8, p: 1 };
    const yaml = `stateDir: ${dir}\npanel:\n  crewPinHash: "${await hashPin('5555', cheap)}"\n  people:\n    - name: A. Okafor\n      role: crew\n      pinHash: "${await hashPin('314159', cheap)}"\n`;
    await writeFile(file, yaml);
    const taken = await piped(withArgs('--name', 'B. Mensah', '--config', file), '314159');
    assert.equal(taken.code, 2);
    assert.equal(taken.out, '', 'nothing printed');
    assert.match(taken.err, /that PIN is already panel\.people\.0\.pinHash/);
    const role = await piped(withArgs('--name', 'B. Mensah', '--config', file), '5555');
    assert.match(role.err, /already panel\.crewPinHash/);
    const name = await piped(withArgs('--name', 'a. okafor', '--config', file), '777777');
    assert.match(name.err, /"a\. okafor" is already panel\.people\.0 \(A\. Okafor\)/);
    const fresh = await piped(withArgs('--name', 'B. Mensah', '--config', file), '777777');
    assert.equal(fresh.code, 0, fresh.err);
    assert.match(fresh.out, /^- name: B\. Mensah\n  role: crew\n  pinHash: scrypt\$/);
  });
});
