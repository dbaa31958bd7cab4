import { commandsFeature } from '../../src/commands/feature.js';
import { startTestController, type TestController } from './controller.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** A free-ish UDP port for a test's command group, so parallel tests do not hear each other. */
export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 30_000);
}

/** A test controller with seat commands on a random multicast port (interface 127.0.0.1). */
export async function startCommandController(overrides: Record<string, unknown> = {}): Promise<TestController & { port: number }> {
  const port = randomPort();
  const tc = await startTestController(
    { api: { token: TEST_TOKEN }, commands: { port, group: '239.255.10.1' }, multicast: { interface: '127.0.0.1', ttl: 1 }, ...overrides },
    [commandsFeature()],
  );
  return { ...tc, port };
}

export async function postCommand(url: string, body: unknown, token: string | null = TEST_TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { command?: { seq: number; state: string; targeted: number }; error?: { code: string; message: string; field?: string } } };
}
