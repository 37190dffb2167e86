// Bundles every entry point with esbuild. `tsc --noEmit` type-checks separately.
import { build } from 'esbuild';
import { existsSync, mkdirSync, chmodSync, copyFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };
// jsonc-parser's `main` is a UMD build esbuild cannot follow; its `module` build bundles cleanly.
// web-tree-sitter's ESM build reads import.meta.url, which a CommonJS bundle does not have: use its CJS build.
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs', mainFields: ['module', 'main'], alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' } };

/** Each entry is built only when its source exists, so the list can name parts still being written. */
const entries = [
  // The extension host never tokenizes (the worker does): its bundle must not carry the rank tables.
  { in: 'src/extension/extension.ts', out: 'dist/extension.js', opts: { ...node, external: ['vscode'], metafile: true }, forbid: /bpeRanks|js-tiktoken|src\/core\/tokens\.ts/ },
  { in: 'src/worker/sweepWorker.ts', out: 'dist/sweepWorker.js', opts: node },
  { in: 'src/webview/main.ts', out: 'dist/webview.js', opts: { ...common, platform: 'browser', target: 'es2022', format: 'iife' } },
  { in: 'src/cli/main.ts', out: 'dist/cli.js', opts: { ...node, banner: { js: '#!/usr/bin/env node' } } },
  { in: 'bench/index.ts', out: 'dist/bench.js', opts: node },
  { in: 'test/e2e/suite/index.ts', out: 'dist/test/suite/index.js', opts: { ...node, external: ['vscode', 'mocha'] } },
  { in: 'src/runtime/index.ts', out: 'dist/runtime/index.mjs', opts: { ...common, platform: 'neutral', target: 'es2022', format: 'esm' } },
  { in: 'src/runtime/index.ts', out: 'dist/runtime/index.cjs', opts: { ...common, platform: 'neutral', target: 'es2022', format: 'cjs' } },
];

mkdirSync('dist', { recursive: true });
await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map(async (e) => {
      const result = await build({ entryPoints: [e.in], outfile: e.out, ...e.opts });
      const forbidden = e.forbid ? Object.keys(result.metafile.inputs).filter((f) => e.forbid.test(f)) : [];
      if (forbidden.length) throw new Error(`${e.out} must not bundle ${forbidden.join(', ')} (imported from ${e.in}'s graph)`);
    }),
);
// The tree-sitter runtime and the grammars that find prompts in code load as WebAssembly at run time
// (from dist/wasm, next to the worker and the CLI); only these four grammars ship, not the packages.
mkdirSync('dist/wasm', { recursive: true });
for (const wasm of [
  'web-tree-sitter/web-tree-sitter.wasm',
  'tree-sitter-python/tree-sitter-python.wasm',
  'tree-sitter-typescript/tree-sitter-typescript.wasm',
  'tree-sitter-typescript/tree-sitter-tsx.wasm',
  'tree-sitter-javascript/tree-sitter-javascript.wasm',
]) {
  copyFileSync(`node_modules/${wasm}`, `dist/wasm/${wasm.split('/')[1]}`);
}
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
console.log(`built ${entries.filter((e) => existsSync(e.in)).length} bundles${production ? ' (production)' : ''}`);
