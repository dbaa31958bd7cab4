import readline from 'node:readline';
import repl from 'node:repl';
import type { PassThrough } from 'node:stream';
import { Evaluator } from './evaluator.js';
import { HistoryFile } from './history.js';
import { closest, splitWords } from './shell-words.js';
import { lineInput, TerminalOutput } from './terminal.js';
import type { AuditEntry, CommandIo, CommandTable, ConsoleUser } from './types.js';

/** The parts of an ssh2 ServerChannel a session uses. */
export interface SessionChannel {
  write(data: string | Buffer): boolean;
  end(): unknown;
  exit(code: number): unknown;
  stderr: { write(data: string | Buffer): boolean };
  on(event: 'data', fn: (d: Buffer) => void): unknown;
  on(event: 'end' | 'close', fn: () => void): unknown;
  readonly destroyed?: boolean;
}

export interface SessionOptions {
  user: ConsoleUser;
  commands: CommandTable;
  scope: Record<string, unknown>;
  evalTimeoutMs: number;
  historyDir: string;
  audit(entry: Pick<AuditEntry, 'kind' | 'command' | 'exitCode' | 'detail'>): void;
  /** Called on every keystroke and while a command runs (idle tracking). */
  touch(): void;
}

const BUILTINS: Record<string, string> = {
  help: 'help [COMMAND]: list the commands, or show one in full',
  js: 'js: open the JavaScript console into the live controller (technician; .shell or Ctrl-D returns here)',
  eval: 'eval CODE: evaluate one JavaScript expression and print it (technician)',
  exit: 'exit: leave the console (Ctrl-D does the same)',
};
const EXIT_UNKNOWN = 127;
const EXIT_REFUSED = 126;
const EXIT_USAGE = 2;

class Shown {
  constructor(readonly text: string) {}
}

type LineResult = { code: number; enter?: 'js' | 'exit' };

/**
 * One SSH session channel: the command shell, the REPL opened from it with
 * `js`, or one exec'd command. Everything the user types reaches readline
 * through a router that keeps Ctrl-C for itself while a command or an
 * awaited evaluation runs, so it can cancel them.
 */
export class ConsoleSession {
  #evaluator: Evaluator | undefined;
  #out!: TerminalOutput;
  #input: PassThrough | undefined;
  #mode: 'shell' | 'js' | 'command' = 'shell';
  #abort: AbortController | undefined;
  #held: Buffer[] = [];
  #closed = false;
  #rl: readline.Interface | undefined;
  #repl: repl.REPLServer | undefined;
  readonly #cleanups: Array<() => void> = [];

  constructor(private readonly channel: SessionChannel, private readonly o: SessionOptions) {
    channel.on('close', () => this.close());
  }

  resize(cols: number, rows: number): void {
    this.#out?.resize(cols, rows);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort?.abort();
    this.#evaluator?.dispose();
    this.#repl?.close();
    this.#rl?.close();
    for (const c of this.#cleanups) c();
  }

  /** `ssh host COMMAND`: runs one line and sends its exit status. */
  async exec(command: string, pty: { cols: number; rows: number } | null): Promise<void> {
    this.#out = new TerminalOutput(this.channel, pty);
    // Made now so that stdin arriving (and ending) before `js` opens the REPL is kept for it.
    const input = (this.#input = lineInput());
    this.#route();
    const r = await this.#runLine(command, false);
    if (r.enter === 'js' && !this.#closed) {
      await this.#openRepl(pty !== null, [], input);
    }
    this.#finish(r.code);
  }

  /** The interactive shell (ssh without a command). */
  async shell(pty: { cols: number; rows: number } | null): Promise<void> {
    const out = (this.#out = new TerminalOutput(this.channel, pty));
    this.#route();
    const tech = this.o.user.role === 'technician';
    out.text(
      `Purser console: ${this.o.user.name} (${this.o.user.role}). ` +
        `Type help for the commands${tech ? ', js for the JavaScript console' : ''}; Ctrl-D or exit leaves.\n`,
    );
    const history = new HistoryFile(this.o.historyDir, this.o.user.name, 'shell');
    const input = (this.#input = lineInput());
    const rl = (this.#rl = readline.createInterface({
      input,
      output: out,
      terminal: pty !== null,
      prompt: `purser(${this.o.user.role})> `,
      history: await history.load(),
      historySize: 1000,
      completer: (line: string) => this.#completeCommand(line),
    }));
    rl.on('SIGINT', () => {
      out.text('^C\n');
      Object.assign(rl, { line: '', cursor: 0 });
      rl.prompt();
    });
    const queue: string[] = [];
    let busy = false;
    let leaving = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !this.#closed && !leaving) {
        const line = queue.shift()!;
        void history.append(line).catch(() => undefined);
        const r = await this.#runLine(line, true);
        if (r.enter === 'exit') leaving = true;
        else if (r.enter === 'js') {
          await this.#openRepl(pty !== null, queue.splice(0));
          this.#input = input;
        }
      }
      busy = false;
      if (leaving) this.#finish(0);
      else if (!this.#closed) rl.prompt();
    };
    rl.on('line', (line) => {
      queue.push(line);
      void pump();
    });
    rl.on('close', () => {
      if (!busy) this.#finish(0);
      else leaving = true;
    });
    rl.prompt();
  }

  #finish(code: number): void {
    if (this.#closed) return;
    try {
      this.channel.exit(code);
      this.channel.end();
    } catch {
      /* the client went away first */
    }
    this.close();
  }

  #route(): void {
    this.channel.on('data', (d: Buffer) => {
      this.o.touch();
      if (this.#mode === 'command') {
        if (d.includes(3)) this.#abort?.abort();
        else this.#held.push(d);
        return;
      }
      if (this.#mode === 'js' && this.#evaluator?.pending && d.includes(3)) {
        this.#evaluator.cancelPending();
        return;
      }
      this.#input?.write(d);
    });
    this.channel.on('end', () => this.#input?.end());
  }

  /** Runs one shell line; `interactive` is false on an exec channel. */
  async #runLine(line: string, interactive: boolean): Promise<LineResult> {
    const parsed = splitWords(line);
    const io = this.#io(interactive);
    if (!parsed.ok) {
      io.err(`${parsed.error}\n`);
      return { code: EXIT_USAGE };
    }
    const [name, ...args] = parsed.words;
    if (name === undefined) return { code: 0 };
    const tech = this.o.user.role === 'technician';
    if (name === 'exit' || name === 'quit' || name === 'logout') return { code: 0, enter: 'exit' };
    if (name === 'help') return { code: this.#help(args, io) };
    if (name === 'js' || name === '.js' || name === 'eval') {
      if (!tech) {
        this.o.audit({ kind: 'refused', command: line, detail: 'the readonly role has no JavaScript console' });
        io.err(`refused: ${name} needs the technician role; ${this.o.user.name} is readonly\n`);
        return { code: EXIT_REFUSED };
      }
      if (name !== 'eval') return { code: 0, enter: 'js' };
      const code = line.replace(/^\s*eval\s*/, '');
      if (code.trim() === '') {
        io.err('usage: eval CODE\n');
        return { code: EXIT_USAGE };
      }
      return { code: await this.#evalOnce(code, io) };
    }
    const cmd = Object.prototype.hasOwnProperty.call(this.o.commands, name) ? this.o.commands[name] : undefined;
    if (!cmd || typeof cmd.run !== 'function') {
      const hint = closest(name, this.#names());
      io.err(`unknown command ${name}${hint ? `; did you mean ${hint}?` : ''} (help lists them)\n`);
      this.o.audit({ kind: 'command', command: line, exitCode: EXIT_UNKNOWN, detail: 'unknown command' });
      return { code: EXIT_UNKNOWN };
    }
    if (cmd.roles && !cmd.roles.includes(this.o.user.role)) {
      this.o.audit({ kind: 'refused', command: line, detail: `${name} is not for the ${this.o.user.role} role` });
      io.err(`refused: ${name} needs the ${cmd.roles.join(' or ')} role\n`);
      return { code: EXIT_REFUSED };
    }
    const code = await this.#runCommand(name, () => cmd.run(args, io), io);
    this.o.audit({ kind: 'command', command: line, exitCode: code });
    return { code };
  }

  async #runCommand(name: string, run: () => number | Promise<number>, io: CommandIo): Promise<number> {
    this.#mode = 'command';
    const keepAlive = setInterval(() => this.o.touch(), 5000);
    let code: number;
    try {
      const r = await run();
      code = Number.isInteger(r) && r >= 0 && r <= 255 ? r : 1;
    } catch (e) {
      io.err(`${name}: ${(e as Error)?.message ?? String(e)}\n`);
      code = 1;
    } finally {
      clearInterval(keepAlive);
      this.#abort = undefined;
      this.#mode = 'shell';
    }
    const held = this.#held.splice(0);
    for (const d of held) this.#input?.write(d);
    return code;
  }

  #io(interactive: boolean): CommandIo {
    const abort = (this.#abort = new AbortController());
    const out = this.#out;
    return {
      out: (t) => out.text(t),
      err: (t) => (interactive || out.isTTY ? out.text(t) : void this.channel.stderr.write(t)),
      signal: abort.signal,
      user: this.o.user,
      columns: out.columns,
      interactive,
    };
  }

  #help(args: string[], io: CommandIo): number {
    const all = this.#helpTable();
    if (args[0] !== undefined) {
      const h = Object.prototype.hasOwnProperty.call(all, args[0]) ? all[args[0]] : undefined;
      if (h === undefined) {
        const hint = closest(args[0], Object.keys(all));
        io.err(`no command ${args[0]}${hint ? `; did you mean ${hint}?` : ''}\n`);
        return 1;
      }
      io.out(`${h}\n`);
      return 0;
    }
    const names = Object.keys(all).sort();
    const width = Math.max(...names.map((n) => n.length));
    for (const n of names) io.out(`  ${n.padEnd(width)}  ${(all[n] ?? '').split('\n')[0]}\n`);
    return 0;
  }

  #helpTable(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    const tech = this.o.user.role === 'technician';
    for (const [n, c] of Object.entries(this.o.commands)) {
      if (c && (!c.roles || c.roles.includes(this.o.user.role))) out[n] = String(c.help ?? '');
    }
    for (const [n, h] of Object.entries(BUILTINS)) if (tech || (n !== 'js' && n !== 'eval')) out[n] = h;
    return out;
  }

  #names(): string[] {
    return Object.keys(this.#helpTable());
  }

  #completeCommand(line: string): [string[], string] {
    if (/\s/.test(line.trimStart())) return [[], line];
    const word = line.trimStart();
    const hits = this.#names().filter((n) => n.startsWith(word)).sort();
    return [hits.map((h) => `${h} `), word];
  }

  #ensureEvaluator(): Evaluator {
    this.#evaluator ??= new Evaluator({
      scope: this.o.scope,
      timeoutMs: this.o.evalTimeoutMs,
      colors: this.#out.isTTY,
      print: (t) => this.#printAsync(t),
    });
    return this.#evaluator;
  }

  async #evalOnce(code: string, io: CommandIo): Promise<number> {
    this.o.audit({ kind: 'eval', command: code });
    const ev = this.#ensureEvaluator();
    const r = await ev.evaluate(code);
    switch (r.kind) {
      case 'value':
        io.out(`${ev.inspect(r.value)}\n`);
        return 0;
      case 'promise':
        io.out(`[Promise #${r.n}]\n`);
        return 0;
      case 'incomplete':
        io.err(`SyntaxError: ${r.error.message}\n`);
        return 1;
      case 'error':
        io.err(`${r.message}\n`);
        return 1;
    }
  }

  #printAsync(text: string): void {
    if (this.#closed) return;
    const out = this.#out;
    if (!out.isTTY) {
      out.text(`${text}\n`);
      return;
    }
    out.text(`\r\x1b[K${text}\n`);
    if (this.#mode === 'js' && this.#repl && !this.#evaluator?.pending) this.#repl.displayPrompt(true);
    else if (this.#mode === 'shell' && this.#rl) this.#rl.prompt(true);
  }

  /** The manhole proper. Resolves when the user leaves it (.shell, .exit, Ctrl-D, end of input). */
  async #openRepl(terminal: boolean, typedAhead: string[] = [], input = lineInput()): Promise<void> {
    const ev = this.#ensureEvaluator();
    const out = this.#out;
    const history = new HistoryFile(this.o.historyDir, this.o.user.name, 'js');
    this.#input = input;
    this.#mode = 'js';
    const past = await history.load();
    if (terminal) out.text('JavaScript console: the scope is global (try scope or Tab). .shell or Ctrl-D returns to the shell.\n');
    const r = (this.#repl = repl.start({
      input,
      output: out,
      terminal,
      prompt: 'js> ',
      useColors: terminal,
      ignoreUndefined: false,
      preview: false,
      writer: (v: unknown) => (v instanceof Shown ? v.text : ev.inspect(v)),
      completer: (line: string) => completeScope(ev.context as Record<string, unknown>, line),
      eval: (cmd: string, _ctx: unknown, _file: string, cb: (err: Error | null, result?: unknown) => void) => {
        if (cmd.trim() !== '') this.o.audit({ kind: 'eval', command: cmd.replace(/\n$/, '') });
        ev.evaluate(cmd).then(
          (o) => {
            if (o.kind === 'value') cb(null, o.value);
            else if (o.kind === 'promise') cb(null, new Shown(`[Promise #${o.n}]`));
            else if (o.kind === 'incomplete') cb(new repl.Recoverable(o.error));
            else cb(null, new Shown(o.message));
          },
          (e: unknown) => cb(null, new Shown(ev.describeError(e))),
        );
      },
    }));
    // Listened for before anything else: a piped script may end at once.
    const exited = new Promise<void>((resolve) => r.once('exit', () => resolve()));
    Object.assign(r, { history: past });
    r.on('line', (l: string) => void history.append(l).catch(() => undefined));
    r.defineCommand('shell', {
      help: 'Return to the command shell',
      action: () => r.close(),
    });
    for (const l of typedAhead) input.write(`${l}\n`);
    await exited;
    this.#repl = undefined;
    this.#mode = 'shell';
  }
}

/** Tab completion on the scope: `sea` -> `seats`, `cabin.reg` -> `cabin.registry`. Reads properties, calls nothing. */
export function completeScope(global: Record<string, unknown>, line: string): [string[], string] {
  const m = /((?:[A-Za-z_$][\w$]*\.)*)([A-Za-z_$][\w$]*)?$/.exec(line);
  const path = m?.[1] ?? '';
  const prefix = m?.[2] ?? '';
  let target: unknown = global;
  try {
    for (const seg of path.split('.').filter(Boolean)) {
      if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return [[], path + prefix];
      target = (target as Record<string, unknown>)[seg];
    }
  } catch {
    return [[], path + prefix];
  }
  const names = new Set<string>();
  for (let o: unknown = target, depth = 0; o !== null && o !== undefined && depth < 8; depth++) {
    if (typeof o !== 'object' && typeof o !== 'function') o = Object(o);
    if (o === Object.prototype || o === Function.prototype) break;
    for (const k of Object.getOwnPropertyNames(o)) if (/^[A-Za-z_$][\w$]*$/.test(k) && !k.startsWith('__purser')) names.add(k);
    o = Object.getPrototypeOf(o);
  }
  const hits = [...names].filter((n) => n.startsWith(prefix) && n !== 'constructor').sort();
  return [hits.map((h) => path + h), path + prefix];
}
