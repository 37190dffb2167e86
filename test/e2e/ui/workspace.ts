import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SweepRow } from '../../../src/core/types';
import { costPerCall, formatCi, formatCount, formatEmCount, formatMeanTokens, formatP, formatSavings, formatSignedPts, formatUsd } from '../../../src/shared/format';
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

/** The cells the results table should show for a row, as the panel formats them (EM with its count, `85.5% · 94/110`). */
export function expectedCells(row: SweepRow, rec: string | undefined, promptTokens: number, prices: { inputPer1M: number; outputPer1M: number }, cases: number): string[] {
  return [
    row.policy === rec ? `${row.label} ★` : row.label,
    formatMeanTokens(row.meanTokens),
    formatCount(row.p95Tokens),
    formatSavings(row.savings),
    formatEmCount(row.em, row.correct, cases),
    `${formatSignedPts(row.deltaEm)} (${formatCi(row.ci95)})`,
    formatP(row.mcnemarP),
    String(row.cutBeforeAnswer),
    formatUsd(costPerCall(promptTokens, row.meanTokens, prices)),
  ];
}
