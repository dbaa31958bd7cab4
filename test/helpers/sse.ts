import { request } from 'node:http';

export interface SseFrame {
  event: string;
  data: any;
}

/**
 * Reads GET /api/v1/events over real HTTP, collecting frames (each `event:`
 * with its JSON `data:`, passed through `pick`, which may reshape or drop a
 * frame) until `until` holds. `ready` resolves once the stream has answered,
 * so a test acts only after it listens.
 */
export function sseFrames<F = SseFrame>(
  url: string,
  until: (frames: F[]) => boolean,
  { pick = (f: SseFrame) => f as unknown as F, timeoutMs = 10_000 }: { pick?: (f: SseFrame) => F | undefined; timeoutMs?: number } = {},
): { ready: Promise<void>; done: Promise<F[]> } {
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const done = new Promise<F[]>((resolve, reject) => {
    const out: F[] = [];
    const req = request(`${url}/api/v1/events`, (res) => {
      ready();
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || !data) continue;
          const f = pick({ event, data: JSON.parse(data) });
          if (f !== undefined) out.push(f);
        }
        if (until(out)) {
          req.destroy();
          resolve(out);
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
    setTimeout(() => (req.destroy(), reject(new Error(`no matching frames in ${timeoutMs} ms: ${JSON.stringify(out).slice(0, 400)}`))), timeoutMs).unref();
  });
  return { ready: readyP, done };
}
