import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../harness';

/** A fresh copy of the bundled sample workspace in a temp folder (tests edit files in it). */
export function copySample(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-sample-'));
  fs.cpSync(path.join(repoRoot, 'sample'), dir, { recursive: true });
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Settings for test runs: no workspace-trust prompt (Restricted Mode has its own test). */
export const TEST_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
};

export const VSIX = path.join(repoRoot, 'dist', 'prompt-budget.vsix');
export const STATUS_ID = 'prompt-budget.prompt-budget.promptBudget.tokens';
