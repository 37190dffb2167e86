// Bundles the runtime's declarations into one file (no relative imports), then copies it for the
// ESM (`.d.mts`) and CJS (`.d.cts`) conditions of the `prompt-budget/runtime` export.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('dts-bundle-generator/dist/bin/dts-bundle-generator.js');
mkdirSync('dist/runtime', { recursive: true });
execFileSync(process.execPath, [cli, '--silent', '--no-banner', '--project', 'tsconfig.runtime.json', '-o', 'dist/runtime/index.d.ts', 'src/runtime/index.ts'], {
  stdio: 'inherit',
});
copyFileSync('dist/runtime/index.d.ts', 'dist/runtime/index.d.mts');
copyFileSync('dist/runtime/index.d.ts', 'dist/runtime/index.d.cts');
console.log('built dist/runtime/index.d.ts (+ .d.mts, .d.cts)');
