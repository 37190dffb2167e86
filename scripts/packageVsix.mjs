// Builds dist/prompt-budget.vsix: the production bundles, then vsce on a staging copy of exactly the
// files `vsce ls` lists (the .vscodeignore allow-list). vsce refuses package.json's "files" (the npm
// package's allow-list) next to a .vscodeignore, so the staged manifest leaves "files" out, and the
// prepublish script, which this script has just run.
// Usage: node scripts/packageVsix.mjs   (prints the .vsix size; exit 1 on any failure)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const vsce = createRequire(import.meta.url)('@vscode/vsce');
const out = join(repo, 'dist', 'prompt-budget.vsix');

execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--production'], { cwd: repo, stdio: 'inherit' });
const files = await vsce.listFiles({ cwd: repo, packageManager: vsce.PackageManager.None });
const stage = mkdtempSync(join(tmpdir(), 'prompt-budget-vsix-'));
try {
  for (const f of files) {
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    copyFileSync(join(repo, f), join(stage, f));
  }
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  delete manifest.files;
  delete manifest.scripts['vscode:prepublish'];
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(repo, '.vscodeignore'), join(stage, '.vscodeignore'));
  await vsce.createVSIX({ cwd: stage, packagePath: out, dependencies: false });
  const size = statSync(out).size;
  console.log(`dist/prompt-budget.vsix: ${(size / 1048576).toFixed(2)} MB (${size} bytes), ${files.length} files`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
