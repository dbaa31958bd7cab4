import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandsFeature } from '../../src/commands/feature.js';
import { firmwareFeature } from '../../src/firmware/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';

export interface FirmwareController extends TestController {
  /** Sends a JSON request with the technician token (or none with token: null). */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T & { error?: { code: string; message: string; field?: string } } }>;
  /** Uploads an image through PUT /api/v1/firmware/:model/:version. */
  upload(model: string, version: string, bytes: Buffer, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }>;
  /** The port the TFTP server bound (it starts on port 0 in tests). */
  tftpPort(): Promise<number>;
}

/** A controller with seat commands and the firmware feature, TFTP on 127.0.0.1 at an ephemeral port (unless given). */
export async function startFirmwareController(overrides: Record<string, unknown> = {}, stateDir?: string): Promise<FirmwareController> {
  const tc = await startTestController(
    {
      api: { token: TEST_TOKEN },
      commands: { port: randomPort(), group: '239.255.10.1' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
      pa: { enabled: false },
      tftp: { host: '127.0.0.1', port: 0 },
      ...overrides,
    },
    (() => {
      const commands = commandsFeature();
      return [commands, firmwareFeature()];
    })(),
    stateDir,
  );
  const api: FirmwareController['api'] = async (method, path, body, token = TEST_TOKEN) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${tc.url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as never };
  };
  return {
    ...tc,
    api,
    async upload(model, version, bytes, headers = {}) {
      const res = await fetch(`${tc.url}/api/v1/firmware/${model}/${version}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/octet-stream', ...headers },
        body: new Uint8Array(bytes),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    async tftpPort() {
      const { body } = await api<{ tftp: string | null }>('GET', '/api/v1/firmware');
      return Number(new URL(body.tftp ?? 'tftp://none:0').port);
    },
  };
}

/** A real image file: random bytes, so each test's image is its own. */
export async function writeImage(dir: string, name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}
