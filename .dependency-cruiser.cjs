/**
 * The architecture's import directions (docs/architecture.md), checked by
 * `npm test` (test/architecture/imports.test.ts): a wrong arrow fails CI.
 */
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const SPINE_FOLDERS = ['contract', 'core', 'config', 'cabin', 'store', 'entities', 'auth'];
const SPINE = `^src/(${SPINE_FOLDERS.join('|')})/`;
/**
 * What plugs into the seam: every src/ folder with a feature.ts (src/contract's
 * feature.ts is the seam itself). Found on disk, so a new feature is covered
 * by these rules without an edit here.
 */
const FEATURE_FOLDERS = readdirSync(join(__dirname, 'src'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !SPINE_FOLDERS.includes(d.name) && existsSync(join(__dirname, 'src', d.name, 'feature.ts')))
  .map((d) => d.name)
  .sort();
if (FEATURE_FOLDERS.length === 0) throw new Error('.dependency-cruiser.cjs: no src/*/feature.ts found');
const FEATURES = `^src/(${FEATURE_FOLDERS.join('|')})/`;
/** Rooms of one feature or of the CLI, not features themselves: the alert book (panel), overhead monitors (avionics), systemd (purser run). */
const ROOMS = '^src/(alerts|monitors|systemd)/';

/** Server modules the page runs as well (pure, import-free): the alert book's order and the fault table. */
const PAGE_SHARED = '^src/alerts/(alert|fault-table)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'ground-floor-stands-alone',
      comment: 'core/ is the ground floor every room imports: it imports no room of the project.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(src|protocols|hardware|firmware)/' },
    },
    {
      name: 'lower-rooms-never-import-src',
      comment: 'protocols/, hardware/ and firmware/ know no cabin: they never import src/.',
      severity: 'error',
      from: { path: '^(protocols|hardware|firmware)/' },
      to: { path: '^src/' },
    },
    {
      name: 'protocols-and-hardware-apart',
      comment: 'A wire protocol and a device adapter never import each other.',
      severity: 'error',
      from: { path: '^protocols/' },
      to: { path: '^hardware/' },
    },
    {
      name: 'hardware-and-protocols-apart',
      severity: 'error',
      from: { path: '^hardware/' },
      to: { path: '^protocols/' },
    },
    {
      name: 'only-the-root-imports-app',
      comment: 'src/app is the composition root: features and the spine never import it (the CLI starts it).',
      severity: 'error',
      from: { path: '^(src|protocols|hardware|firmware|core)/', pathNot: '^src/(app|cli)/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'spine-knows-no-feature',
      comment: 'The contract and the spine below it never import a feature or the HTTP layer: features plug into them.',
      severity: 'error',
      from: { path: SPINE },
      to: { path: `${FEATURES}|${ROOMS}|^src/(http|sim|cli)/` },
    },
    {
      name: 'features-meet-through-capabilities',
      comment: 'A feature uses another through a capability (ctx.need), not by importing its code; types are free.',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: FEATURES, pathNot: '^src/$1/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'panel-page-bundles-no-server-code',
      comment: 'The page (src/panel/web) takes the server\'s types, type-only, never its code: esbuild erases type imports, so the bundle stays the page\'s own.',
      severity: 'error',
      from: { path: '^src/panel/web/' },
      to: { path: '^(src|protocols|hardware|firmware|core)/', pathNot: `^src/panel/web/|${PAGE_SHARED}`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'page-shared-code-stands-alone',
      comment: 'What the page shares with the server at run time (the alert order, the fault table) imports no code, so it pulls nothing else into the bundle.',
      severity: 'error',
      from: { path: PAGE_SHARED },
      to: { dependencyTypesNot: ['type-only'] },
    },
    { name: 'no-circular', comment: 'A cycle of runtime imports (type-only edges do not count).', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
