import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/udev/', import.meta.url));

/** A recorded (or, for synthetic-*, hand-written) fixture from test/fixtures/udev/. */
export function fixture(name: string): string {
  return readFileSync(dir + name, 'utf8');
}
