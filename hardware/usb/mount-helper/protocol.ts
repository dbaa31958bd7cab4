import type { MountedDrive } from '../mounter.js';

/**
 * The mount helper's wire format: one JSON object per line each way, over a
 * unix stream socket. The client names a device and a filesystem, never mount
 * options or directories: the helper's own config fixes those. Pure; never
 * throws (a bad line is an answer, not a crash).
 */

/** A request line longer than this is refused unread: a real one is under 300 bytes. */
export const MAX_REQUEST_BYTES = 4096;

export type MountHelperRequest =
  | { op: 'mount'; devname: string; fsType: string; name?: string }
  | { op: 'unmount'; mountPoint: string }
  | { op: 'unmountStale' };

export type MountHelperResponse =
  | { ok: true; drive: MountedDrive }
  | { ok: true; lazy: boolean }
  | { ok: true; unmounted: string[] }
  | { ok: false; error: string };

const STRING_MAX = 1024;

function str(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= STRING_MAX && !v.includes('\0');
}

/** Parses one request line (without its newline): the request, or why it is refused. */
export function parseRequest(line: string): { ok: true; request: MountHelperRequest } | { ok: false; error: string } {
  if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) return { ok: false, error: `request longer than ${MAX_REQUEST_BYTES} bytes` };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, error: 'request is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'request is not a JSON object' };
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const only = (allowed: string[]) => keys.every((k) => allowed.includes(k));
  switch (o.op) {
    case 'mount':
      if (!only(['op', 'devname', 'fsType', 'name'])) return { ok: false, error: 'mount takes only devname, fsType and name' };
      if (!str(o.devname)) return { ok: false, error: 'mount needs devname, a string' };
      if (!str(o.fsType)) return { ok: false, error: 'mount needs fsType, a string' };
      if (o.name !== undefined && !str(o.name)) return { ok: false, error: 'name must be a string' };
      return { ok: true, request: { op: 'mount', devname: o.devname, fsType: o.fsType, ...(o.name !== undefined ? { name: o.name as string } : {}) } };
    case 'unmount':
      if (!only(['op', 'mountPoint'])) return { ok: false, error: 'unmount takes only mountPoint' };
      if (!str(o.mountPoint)) return { ok: false, error: 'unmount needs mountPoint, a string' };
      return { ok: true, request: { op: 'unmount', mountPoint: o.mountPoint } };
    case 'unmountStale':
      if (!only(['op'])) return { ok: false, error: 'unmountStale takes no arguments' };
      return { ok: true, request: { op: 'unmountStale' } };
    default:
      return { ok: false, error: `unknown op ${JSON.stringify(typeof o.op === 'string' ? o.op.slice(0, 40) : o.op ?? null)}` };
  }
}

/** Splits a stream into lines; a line over the limit is reported once and skipped to its end. */
export class LineSplitter {
  #buf = '';
  #skipping = false;
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOversize: () => void,
    private readonly max = MAX_REQUEST_BYTES,
  ) {}
  push(chunk: string): void {
    let text = this.#buf + chunk;
    this.#buf = '';
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (this.#skipping) this.#skipping = false;
      else if (Buffer.byteLength(line) > this.max) this.onOversize();
      else this.onLine(line.replace(/\r$/, ''));
    }
    if (this.#skipping) return;
    if (Buffer.byteLength(text) > this.max) {
      this.#skipping = true;
      this.onOversize();
      return;
    }
    this.#buf = text;
  }
}
