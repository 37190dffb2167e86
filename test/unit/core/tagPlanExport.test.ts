// The per-tag plan file: which policy a request gets by its tags, and round trips of the file.
import { strict as assert } from 'node:assert';
import { toExportedPolicy } from '../../../src/core/policyExport';
import { exportTagPlan, parseExportedTagPlan, policyForTags, tagPlanSnippet } from '../../../src/core/tagPlanExport';
import { tagPlanDiffers, tagPlanFallback } from '../../../src/shared/protocol';
import type { ExportedTagPlan, SweepResult, TagBudgets } from '../../../src/core/types';
import { budgets } from './tagBudgetsFixture';

const settings = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' } } as const;

function plan(): ExportedTagPlan {
  return {
    format: 'prompt-budget-tag-plan',
    version: 1,
    byTag: { easy: toExportedPolicy('cutoff:64', settings), hard: toExportedPolicy('stability:16x2', settings) },
    fallback: toExportedPolicy('marker:0', settings),
    measured: { cases: 200, em: 0.9, deltaEm: -0.005, ci95: [-0.02, 0.01], meanTokens: 80, savings: 0.4, margin: 0.02, fallbackSavings: 0.3 },
  };
}

// Only the fields exportTagPlan reads are real; the rest are placeholders of the right type.
function sweepWith(tb: TagBudgets | null): SweepResult {
  return { ...settings, tokenizer: 'o200k_base', cases: 100, skipped: 0, margin: 0.02, seed: 1, resamples: 10, baseline: { em: 0.9, meanTokens: 20, correct: 90 }, rows: [], recommendation: null, power: {} as SweepResult['power'], crossValidation: null, warnings: [], tagBudgets: tb };
}

describe('per-tag plan export', () => {
  it('picks a request’s policy by its first tag, and the fallback for any other', () => {
    const p = plan();
    assert.equal(policyForTags(p, ['easy', 'algebra']).policy, 'cutoff:64');
    assert.equal(policyForTags(p, 'hard').policy, 'stability:16x2');
    assert.equal(policyForTags(p, ['algebra', 'easy']).policy, 'marker:0', 'only the first tag picks the group, as the sweep grouped cases');
    assert.equal(policyForTags(p, []).policy, 'marker:0');
    assert.equal(policyForTags(p, undefined).policy, 'marker:0');
    assert.equal(policyForTags(p, ['constructor']).policy, 'marker:0', 'no prototype keys');
    // Cases without tags form their own group in the sweep; a plan may give it a policy.
    assert.equal(policyForTags({ ...p, byTag: { ...p.byTag, '(untagged)': toExportedPolicy('cutoff:16', settings) } }, []).policy, 'cutoff:16');
  });

  it('builds the plan from the sweep’s per-tag budgets, falling back to full when no single policy qualified', () => {
    const p = exportTagPlan(sweepWith(budgets([['easy', 'cutoff:64'], ['hard', 'full']], null)));
    assert.deepEqual(Object.keys(p.byTag), ['easy', 'hard']);
    assert.equal(p.byTag.easy.policy, 'cutoff:64');
    assert.equal(p.fallback.policy, 'full');
    assert.deepEqual(p.measured, { cases: 100, em: 0.9, deltaEm: -0.01, ci95: [-0.02, 0], meanTokens: 10, savings: 0.5, margin: 0.02, fallbackSavings: 0 });
    // The panel's and the command's view of the plan (src/shared) agree with the exported fallback.
    const noSingle = budgets([['easy', 'cutoff:64'], ['hard', 'full']], null);
    assert.equal(tagPlanFallback(noSingle), p.fallback.policy);
    assert.equal(tagPlanDiffers(noSingle), true);
    assert.equal(tagPlanDiffers(budgets([['easy', 'marker:0'], ['hard', 'marker:0']], 'marker:0')), false);
    assert.equal(tagPlanDiffers(null), false);
    assert.throws(() => exportTagPlan(sweepWith(null)), /no per-tag budgets/);
    assert.throws(() => exportTagPlan(sweepWith(budgets([['easy', 'probe:32x2']], 'marker:0'))), /probe:32x2: a per-tag plan runs on createTagStopper, which makes no model calls/);
  });

  it('reads back what it writes and names what is wrong', () => {
    const p = plan();
    assert.deepEqual(parseExportedTagPlan(JSON.stringify(p)).plan, p);
    const bad: [unknown, RegExp][] = [
      ['{', /not valid JSON/],
      [[], /must be a JSON object/],
      [{ ...p, format: 'prompt-budget-policy' }, /"format" must be "prompt-budget-tag-plan"/],
      [{ ...p, version: 2 }, /unsupported "version" 2/],
      [{ ...p, byTags: {} }, /unknown field: byTags/],
      [{ ...p, byTag: {} }, /"byTag" must map each tag/],
      [{ ...p, byTag: { ...p.byTag, hard: { ...p.byTag.hard, encoding: 'p50k_base' } } }, /"byTag.hard": "encoding" must be/],
      [{ ...p, fallback: { ...p.fallback, policy: 'probe:32x2', spec: undefined } }, /"fallback": probe:32x2: a per-tag plan runs on createTagStopper/],
      [{ ...p, measured: { ...p.measured, savings: '40%' } }, /"measured.savings" must be a number/],
    ];
    for (const [value, message] of bad) assert.match(parseExportedTagPlan(value).error ?? '', message, JSON.stringify(value).slice(0, 80));
  });

  it('writes a snippet that picks the policy by tags, with the plan inline', () => {
    const p = plan();
    const ts = tagPlanSnippet(p, 'ts');
    assert.match(ts, /^import \{ createTagStopper, stopOpenAIStream \} from 'prompt-budget\/runtime';/);
    assert.match(ts, /\/\/ Per-tag plan exported by prompt-budget: easy → cutoff:64, hard → stability:16x2; any other tag → marker:0\./);
    assert.match(ts, /\/\/ Measured on 200 cases: 40\.0% fewer output tokens \(marker:0 alone: 30\.0%\), ΔEM -0\.5 pts \(95% CI -2\.0…1\.0\)\./);
    assert.match(ts, /controller: AbortController, tags: string\[\]\) \{/);
    const json = ts.slice(ts.indexOf('const PLAN = ') + 'const PLAN = '.length, ts.indexOf('};\n\n') + 1);
    assert.deepEqual(JSON.parse(json), p);
  });
});
