import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const ROOMS = ['src', 'protocols', 'hardware', 'firmware', 'core'];

/** dependency-cruiser over the rooms with the project's rules (.dependency-cruiser.cjs). */
function cruise(): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), ...ROOMS, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('import directions (docs/architecture.md)', () => {
  it('the tree keeps every rule', () => {
    const r = cruise();
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no dependency violations/);
  });

  it('a wrong arrow fails: a protocol importing src/, a feature (even a new one) importing another feature or the composition root, the page importing server code', () => {
    // Planted in scratch folders of their rooms, removed whatever happens.
    const planted = [
      [join(ROOT, 'protocols/zz-arch-test/bad.ts'), "import '../../src/core/log.js';\n"],
      [join(ROOT, 'src/pa/zz-arch-test/bad.ts'), "import { CommandService } from '../../commands/command-service.js';\nvoid CommandService;\n"],
      [join(ROOT, 'src/commands/zz-arch-test/bad.ts'), "import { Controller } from '../../app/controller.js';\nvoid Controller;\n"],
      [join(ROOT, 'hardware/zz-arch-test/bad.ts'), "import '../../protocols/arinc429/word.js';\n"],
      // The page may take the server's types, never its code (the bundle would carry it).
      [join(ROOT, 'src/panel/web/zz-arch-test/bad.ts'), "import { summarize } from '../../../http/routes/seats-api.js';\nvoid summarize;\n"],
      [join(ROOT, 'src/panel/web/zz-arch-types/fine.ts'), "import type { SeatSummary } from '../../../http/routes/seats-api.js';\nexport type S = SeatSummary;\n"],
      // A feature folder the rules have never heard of: found by its feature.ts.
      [join(ROOT, 'src/zz-arch-feature/feature.ts'), "import { CommandService } from '../commands/command-service.js';\nvoid CommandService;\n"],
    ] as const;
    try {
      for (const [file, text] of planted) {
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, text);
      }
      const r = cruise();
      assert.notEqual(r.status, 0);
      for (const rule of ['lower-rooms-never-import-src', 'features-meet-through-capabilities', 'only-the-root-imports-app', 'hardware-and-protocols-apart', 'panel-page-bundles-no-server-code']) {
        assert.match(r.out, new RegExp(`error ${rule}`), `${rule} is reported:\n${r.out}`);
      }
      assert.doesNotMatch(r.out, /zz-arch-types/, `a type-only import from the page is allowed:\n${r.out}`);
      assert.match(r.out, /error features-meet-through-capabilities: src\/zz-arch-feature\/feature\.ts → src\/commands\//, `a new feature folder is a feature:\n${r.out}`);
    } finally {
      for (const [file] of planted) rmSync(join(file, '..'), { recursive: true, force: true });
    }
  });
});
