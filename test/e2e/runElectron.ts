// Runs the same extension-host suite (test/e2e/suite) in a downloaded VS Code through
// @vscode/test-electron. Needs internet access to download VS Code; where there is none (as on the
// project's CI machines) test/e2e/ui/extensionHost.test.ts runs the suite in code-server instead.
// Usage: npm run build && npx tsx test/e2e/runElectron.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const repo = path.resolve(__dirname, '../..');
  const tests = path.join(repo, 'dist', 'test', 'suite', 'index');
  if (!fs.existsSync(`${tests}.js`)) throw new Error(`${tests}.js is missing: run npm run build first`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-electron-'));
  fs.cpSync(path.join(repo, 'sample'), workspace, { recursive: true });
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-electron-user-'));
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none' }));
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repo,
      extensionTestsPath: tests,
      launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${userData}`],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
