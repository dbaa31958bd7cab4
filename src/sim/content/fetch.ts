import { request, type Agent, type IncomingMessage } from 'node:http';
import { signContentRequest } from '../../content/seat-auth.js';

/** One signed GET (docs/protocol.md, section 6), resolved with the response head; the body is the caller's to read. */
export function signedGet(
  agent: Agent,
  url: URL,
  auth: { key: Buffer; serial: string; now: number },
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<{ res: IncomingMessage; destroy: () => void }> {
  const target = url.pathname + url.search;
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: target, method: 'GET', headers: { ...signContentRequest(auth.key, auth.serial, 'GET', target, auth.now), ...headers } },
      (res) => resolve({ res, destroy: () => req.destroy() }),
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}

export async function readAll(res: IncomingMessage, max = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > max) throw new Error(`answer larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The path of a catalog file under /content/v1/files/, each segment percent-encoded. */
export function fileUrl(catalogUrl: URL, path: string, version: string): URL {
  const u = new URL(`/content/v1/files/${path.split('/').map(encodeURIComponent).join('/')}`, catalogUrl);
  u.searchParams.set('version', version);
  return u;
}
