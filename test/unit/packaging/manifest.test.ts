// What ships: the .vsix file list, the npm files list and the metadata both registries need.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const root = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & { version: string; files: string[] };

/** What the installed extension needs, and nothing else (`.vscodeignore` is an allow-list). */
const VSIX_FILES = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'dist/extension.js',
  'dist/sweepWorker.js',
  'dist/wasm/tree-sitter-javascript.wasm',
  'dist/wasm/tree-sitter-python.wasm',
  'dist/wasm/tree-sitter-tsx.wasm',
  'dist/wasm/tree-sitter-typescript.wasm',
  'dist/wasm/web-tree-sitter.wasm',
  'dist/webview.js',
  'media/activity.svg',
  'media/icon.png',
  'media/panel.css',
  'media/walkthrough/openSample.md',
  'media/walkthrough/ownData.md',
  'media/walkthrough/readRecommendation.md',
  'media/walkthrough/runSweep.md',
  'package.json',
  'sample/promptbudget.json',
  'sample/prompts/solve.prompt.md',
  'sample/testset.jsonl',
  'sample/thinking.jsonl',
  'sample/thinking.promptbudget.json',
  'schemas/promptbudget.schema.json',
];

// The lists are spelled out so that any file added to or dropped from a package shows in review.
describe('packaging', () => {
  it('vsce ls lists exactly what the extension needs', async function () {
    if (!existsSync(join(root, 'dist', 'extension.js'))) assert.fail('dist/ is not built: run npm run build first (npm test does)');
    // vsce's own listing (the .vscodeignore allow-list), which scripts/packageVsix.mjs stages and packs.
    const files = await listFiles({ cwd: root, packageManager: PackageManager.None });
    assert.deepEqual([...files].sort(), VSIX_FILES);
  });

  it('package.json has what the marketplace and npm need to publish', () => {
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 Prompt Budget contributors\n/);
    assert.deepEqual(pkg.repository, { type: 'git', url: 'https://github.com/prompt-budget/prompt-budget.git' });
    assert.equal(pkg.homepage, 'https://github.com/prompt-budget/prompt-budget#readme');
    assert.deepEqual(pkg.bugs, { url: 'https://github.com/prompt-budget/prompt-budget/issues' });
    assert.ok(Array.isArray(pkg.categories) && pkg.categories.includes('AI') && pkg.categories.includes('Testing'));
    assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.length >= 5 && pkg.keywords.length <= 30);
    const scripts = pkg.scripts as Record<string, string>;
    assert.doesNotMatch(JSON.stringify(scripts), /--skip-license|--allow-missing-repository/);
    assert.equal(scripts.package, 'node scripts/packageVsix.mjs');
  });

  it('the npm package is an explicit files list: the CLI and its grammars, the runtime and its types, the docs', () => {
    assert.deepEqual(pkg.files, ['dist/cli.js', 'dist/wasm/*.wasm', 'dist/runtime/index.mjs', 'dist/runtime/index.cjs', 'dist/runtime/index.d.mts', 'dist/runtime/index.d.cts', 'docs/*.md', 'CHANGELOG.md']);
    assert.ok(!existsSync(join(root, '.npmignore')), 'one allow-list for npm: package.json files');
    assert.equal((pkg.bin as Record<string, string>)['prompt-budget'], 'dist/cli.js');
  });

  it('the changelog has an Unreleased section and one for the package version', () => {
    const log = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    const versions = [...log.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    assert.deepEqual(versions.slice(0, 2), ['Unreleased', pkg.version]);
    assert.match(log, new RegExp(`^\\[${pkg.version.replace(/\./g, '\\.')}\\]: https://github\\.com/prompt-budget/prompt-budget/releases/tag/v${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
  });
});
