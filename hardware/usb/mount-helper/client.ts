import { connect } from 'node:net';
import { MountError, type MountedDrive, type MountRequest } from '../mounter.js';
import type { MountHelperRequest, MountHelperResponse } from './protocol.js';

/**
 * The controller's side: the Mounter's interface (mount, unmount,
 * unmountStale), each call one request on a fresh connection to the root-run
 * mount helper. A fresh connection per call means a helper that restarted is
 * simply used again on the next drive; a helper that is down or silent fails
 * the call within its deadline with an error crew can read, never a hang.
 */

export interface MountHelperClientOptions {
  socketPath: string;
  /** Whole request deadline (default 65 s): above the helper's own (60 s), so the helper's answer comes first. */
  timeoutMs?: number;
  /** How long connecting may take (a helper that is down refuses at once; a full backlog does not). */
  connectTimeoutMs?: number;
}

export const HELPER_DOWN = 'the mount helper does not answer';

export class MountHelperClient {
  readonly #o: MountHelperClientOptions;
  constructor(opts: MountHelperClientOptions) {
    this.#o = opts;
  }

  async mount(req: MountRequest): Promise<MountedDrive> {
    const r = await this.#call({ op: 'mount', devname: req.devname, fsType: req.fsType, ...(req.name !== undefined ? { name: req.name } : {}) }, 'mount');
    if (!('drive' in r)) throw new MountError('cannot mount: the mount helper gave no drive');
    return r.drive;
  }

  async unmount(mountPoint: string): Promise<{ lazy: boolean }> {
    const r = await this.#call({ op: 'unmount', mountPoint }, 'unmount');
    return { lazy: 'lazy' in r ? r.lazy : false };
  }

  async unmountStale(): Promise<string[]> {
    const r = await this.#call({ op: 'unmountStale' }, 'unmount');
    return 'unmounted' in r ? r.unmounted : [];
  }

  #call(req: MountHelperRequest, verb: string): Promise<Exclude<MountHelperResponse, { ok: false }>> {
    const timeoutMs = this.#o.timeoutMs ?? 65_000;
    const connectMs = this.#o.connectTimeoutMs ?? 2_000;
    return new Promise((resolve, reject) => {
      const sock = connect(this.#o.socketPath);
      let buf = '';
      let done = false;
      const finish = (err: Error | undefined, r?: MountHelperResponse) => {
        if (done) return;
        done = true;
        clearTimeout(connectTimer);
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else if (r && r.ok) resolve(r);
        else reject(new MountError(`cannot ${verb}: ${r && !r.ok ? r.error : 'no answer'}`));
      };
      const down = (why: string) => finish(new MountError(`cannot ${verb}: ${HELPER_DOWN} (${why})`));
      const connectTimer = setTimeout(() => down(`no connection to ${this.#o.socketPath} within ${connectMs} ms`), connectMs);
      const timer = setTimeout(() => down(`no answer within ${timeoutMs} ms`), timeoutMs);
      sock.setEncoding('utf8');
      sock.on('connect', () => {
        clearTimeout(connectTimer);
        sock.write(`${JSON.stringify(req)}\n`);
      });
      sock.on('data', (d: string) => {
        buf += d;
        const nl = buf.indexOf('\n');
        if (nl < 0) {
          if (buf.length > 1_000_000) down('answer too long');
          return;
        }
        let r: MountHelperResponse;
        try {
          r = JSON.parse(buf.slice(0, nl)) as MountHelperResponse;
        } catch {
          return down('answer is not JSON');
        }
        finish(undefined, r);
      });
      sock.on('error', (e: NodeJS.ErrnoException) => down(`${e.code ?? e.message} on ${this.#o.socketPath}`));
      sock.on('close', () => down('it closed the connection'));
    });
  }
}
