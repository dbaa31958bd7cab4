import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { parsePinHash, verifyPin } from '../../src/auth/pin-hash.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const RUN = `import { command } from './src/cli/commands/pin-hash.ts'; process.exitCode = await command.run([]);`;
const NODE_ARGS = ['--import', 'tsx', '--input-type=module', '-e', RUN];

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
});
