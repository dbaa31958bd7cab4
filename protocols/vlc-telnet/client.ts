import net from 'node:net';
import { AsyncSubject, type Observable } from 'rxjs';
import { VlcTelnetParser, type VlcTelnetEvent } from './codec.js';
import { VlcConnectionError, VlcLoginError, VlcTimeoutError, VlmError } from './errors.js';
import { interpretReply } from './reply.js';
import { parseShow, type VlmShow } from './show.js';
import { vlmQuote } from './reply.js';

export interface VlcTelnetOptions {
  /** Default 127.0.0.1: VLC's telnet is only ever reached on loopback. */
  host?: string;
  port: number;
  password: string;
  /** Connect, login and the first prompt, all within this. Default 5000. */
  loginTimeoutMs?: number;
  /** Each command's reply and prompt within this. Default 5000. */
  commandTimeoutMs?: number;
}

export interface VlcTelnetClosed {
  /** Why: undefined after close() by the owner. */
  error: Error | undefined;
}

interface Pending {
  line: string;
  timeoutMs: number;
  resolve: (lines: string[]) => void;
  reject: (err: Error) => void;
}

/**
 * One logged-in connection to VLC's telnet interface. Commands are queued and
 * sent one at a time, each after the previous reply's `> ` prompt: VLC loses
 * prompts when commands are pipelined, so the prompt is the only reliable end
 * of a reply. A command that gets no prompt in time rejects with
 * VlcTimeoutError and closes the connection (a hung VLC would answer nothing
 * after it either). Reconnecting is the owner's job: watch closed$.
 */
export class VlcTelnetClient {
  readonly #socket: net.Socket;
  readonly #parser = new VlcTelnetParser();
  readonly #closed = new AsyncSubject<VlcTelnetClosed>();
  /** Emits once, when the connection is gone, then completes. */
  readonly closed$: Observable<VlcTelnetClosed> = this.#closed.asObservable();
  readonly #queue: Pending[] = [];
  readonly #commandTimeoutMs: number;
  #inFlight: Pending | undefined;
  #reply: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #isClosed = false;

  private constructor(socket: net.Socket, commandTimeoutMs: number) {
    this.#socket = socket;
    this.#commandTimeoutMs = commandTimeoutMs;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Connects and logs in; rejects with VlcLoginError on a wrong password, VlcTimeoutError, VlcConnectionError. */
  static connect(opts: VlcTelnetOptions): Promise<VlcTelnetClient> {
    const loginTimeoutMs = opts.loginTimeoutMs ?? 5000;
    const socket = net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port });
    socket.setNoDelay(true);
    const client = new VlcTelnetClient(socket, opts.commandTimeoutMs ?? 5000);
    return new Promise((resolve, reject) => {
      let passwordSent = false;
      let welcomed = false;
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.#shutdown(err);
        reject(err);
      };
      const timer = setTimeout(() => fail(new VlcTimeoutError('login', loginTimeoutMs)), loginTimeoutMs);
      client.#onLoginEvent = (e) => {
        if (e.type === 'login-needed') {
          // A second password prompt means the first was refused.
          if (passwordSent) return fail(new VlcLoginError());
          passwordSent = true;
          socket.write(`${opts.password}\n`);
        } else if (e.type === 'login-failed') fail(new VlcLoginError());
        else if (e.type === 'welcome') welcomed = true;
        else if (e.type === 'prompt-ready' && welcomed && !settled) {
          settled = true;
          clearTimeout(timer);
          client.#onLoginEvent = undefined;
          resolve(client);
        }
      };
      socket.on('data', (chunk: Buffer) => client.#onData(chunk));
      socket.on('error', (err) => {
        const wrapped = new VlcConnectionError(`VLC telnet ${opts.host ?? '127.0.0.1'}:${opts.port}: ${err.message}`);
        if (!settled) fail(wrapped);
        else client.#shutdown(wrapped);
      });
      socket.on('close', () => {
        const err = new VlcConnectionError('VLC telnet connection closed');
        if (!settled) fail(err);
        else client.#shutdown(err);
      });
    });
  }

  #onLoginEvent: ((e: VlcTelnetEvent) => void) | undefined;

  /**
   * Sends one command line and resolves with the reply's lines after the verb
   * line. Rejects with VlmError when VLM refuses it.
   */
  command(line: string, opts: { timeoutMs?: number } = {}): Promise<string[]> {
    if (/[\r\n\0]/.test(line)) return Promise.reject(new TypeError('a VLM command is one line: no CR, LF or NUL'));
    if (this.#isClosed) return Promise.reject(new VlcConnectionError('VLC telnet connection is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, timeoutMs: opts.timeoutMs ?? this.#commandTimeoutMs, resolve, reject });
      this.#next();
    });
  }

  /** `show` (every media) or `show NAME`, parsed. */
  async show(name?: string, opts: { timeoutMs?: number } = {}): Promise<VlmShow> {
    return parseShow(await this.command(name === undefined ? 'show' : `show ${vlmQuote(name)}`, opts));
  }

  /** Closes the connection; queued commands reject with VlcConnectionError. */
  close(): void {
    this.#shutdown(undefined);
  }

  #next(): void {
    if (this.#inFlight || this.#isClosed) return;
    const p = this.#queue.shift();
    if (!p) return;
    this.#inFlight = p;
    this.#reply = [];
    this.#timer = setTimeout(() => {
      const err = new VlcTimeoutError(p.line, p.timeoutMs);
      this.#shutdown(err);
    }, p.timeoutMs);
    this.#socket.write(`${p.line}\n`);
  }

  #onData(chunk: Buffer): void {
    for (const e of this.#parser.push(chunk)) {
      if (this.#onLoginEvent) {
        this.#onLoginEvent(e);
        continue;
      }
      if (e.type === 'reply') this.#reply = e.lines;
      else if (e.type === 'prompt-ready') this.#complete();
    }
  }

  #complete(): void {
    const p = this.#inFlight;
    if (!p) return; // a prompt nobody asked for (none expected): ignore
    clearTimeout(this.#timer);
    this.#inFlight = undefined;
    const reply = interpretReply(p.line, this.#reply);
    this.#reply = [];
    if (reply.ok) p.resolve(reply.lines);
    else p.reject(new VlmError(p.line, reply.text));
    this.#next();
  }

  #shutdown(error: Error | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearTimeout(this.#timer);
    this.#socket.destroy();
    const gone = (): Error => error ?? new VlcConnectionError('VLC telnet connection closed by its owner');
    if (this.#inFlight) this.#inFlight.reject(gone());
    this.#inFlight = undefined;
    for (const p of this.#queue.splice(0)) p.reject(error ? new VlcConnectionError(`VLC telnet connection lost: ${error.message}`) : gone());
    this.#closed.next({ error });
    this.#closed.complete();
  }
}
