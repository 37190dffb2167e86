// Runs the bundled extension-host suite (test/e2e/suite) inside code-server's real extension host.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, runExtensionHostTests } from '../harness';
import { copySample, TEST_SETTINGS } from './workspace';

describe('extension-host tests (code-server)', function () {
  this.timeout(400_000);

  it('pass inside the real extension host', async () => {
    const entry = path.join(repoRoot, 'dist', 'test', 'suite', 'index');
    assert.ok(fs.existsSync(`${entry}.js`), `${entry}.js is missing: run npm run build first`);
    const ws = copySample();
    try {
      const { code, log } = await runExtensionHostTests({ workspace: ws.dir, extensionPath: repoRoot, testsEntry: entry, timeoutMs: 360_000, settings: { ...TEST_SETTINGS } });
      const report = log
        .split('\n')
        .filter((l) => /passing|failing|pending|✔|✓|\d+\) |Error|assert/i.test(l))
        .join('\n');
      console.log(report);
      assert.equal(code, 0, `extension-host tests failed:\n${log}`);
      assert.match(log, /\b12 passing\b/);
    } finally {
      ws.remove();
    }
  });
});
