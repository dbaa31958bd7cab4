import { connect, type Socket } from 'node:net';

/** What a raw HTTP exchange came back with: the status, headers and the JSON body when there is one. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
  /** The server closed the connection after answering. */
  closed: boolean;
  ms: number;
}

export function parseAnswer(text: string, closed: boolean, ms: number): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let rest = split >= 0 ? text.slice(split + 4) : '';
  if (headers['transfer-encoding'] === 'chunked') rest = rest.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
  let body: unknown;
  try {
    body = JSON.parse(rest);
  } catch {
    body = undefined;
  }
  return { status: Number(/^HTTP\/1\.\d (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body, text, closed, ms };
}

/** Sends bytes on a fresh connection and reads until the server closes it or `settleMs` passes after the first bytes. */
export function rawExchange(port: number, bytes: string | Buffer, opts: { settleMs?: number; timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = connect(port, '127.0.0.1');
    let buf = '';
    let settle: NodeJS.Timeout | undefined;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      clearTimeout(settle);
      s.destroy();
      resolve(parseAnswer(buf, closed, performance.now() - t0));
    };
    const timer = setTimeout(() => (buf ? done(false) : (s.destroy(), reject(new Error(`no answer in ${opts.timeoutMs ?? 5000} ms`)))), opts.timeoutMs ?? 5000);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      clearTimeout(settle);
      settle = setTimeout(() => done(false), opts.settleMs ?? 300);
    });
    s.on('close', () => done(true));
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

/** An open connection that has sent nothing yet. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

export const portOf = (url: string) => Number(new URL(url).port);

export function isErrorShape(j: unknown, code?: string): boolean {
  const e = (j as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof e?.code === 'string' && typeof e.message === 'string' && e.message.length > 0 && (code === undefined || e.code === code);
}
