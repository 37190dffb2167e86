// The per-tag stopper on the bundled thinking sample: a plan exported from a real sweep picks each
// request's policy by its first tag, and that policy stops where the sweep measured it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { parsePolicy } from '../../../src/core/policies';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { exportTagPlan } from '../../../src/core/tagPlanExport';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { Case, ExportedTagPlan, SweepResult } from '../../../src/core/types';
import type { Stopper } from '../../../src/runtime/createStopper';
import { createTagStopper } from '../../../src/runtime/createTagStopper';

const SAMPLE = path.resolve(__dirname, '../../../sample');

/** Streams a case's trace in 7-character deltas; the index of the delta that stopped it, or -1. */
function run(stopper: Stopper, text: string): { stoppedAt: number; decision: ReturnType<Stopper['push']> } {
  for (let at = 0; at < text.length; at += 7) {
    const decision = stopper.push(text.slice(at, at + 7));
    if (decision.stop) return { stoppedAt: at, decision };
  }
  return { stoppedAt: -1, decision: stopper.finish() };
}

describe('runtime/createTagStopper', function () {
  this.timeout(60000);
  let cases: Case[];
  let result: SweepResult;
  let plan: ExportedTagPlan;

  before(() => {
    cases = parseTestSet(readFileSync(path.join(SAMPLE, 'thinking.jsonl'))).cases;
    const { config } = parseConfig(readFileSync(path.join(SAMPLE, 'thinking.promptbudget.json'), 'utf8'));
    // Two policies at a 3-point margin (the sample's config is margin 3 with the full default set,
    // where stability:64x3 wins every tag): here settled:64x2 wins easy and stability:128x2 hard.
    const { options } = resolveSweepOptions(config, { resamples: 200, folds: 0, margin: 3, policies: [parsePolicy('settled:64x2').spec!, parsePolicy('stability:128x2').spec!] });
    result = runSweep(cases, 0, { ...options, includeCases: true });
    plan = exportTagPlan(result);
  });

  it('exports the plan the sample was built to show: easy cut by settled, hard by stability', () => {
    // 124 easy and 76 hard cases; the single-policy recommendation, stability:128x2, is the fallback.
    assert.deepEqual(
      result.tagBudgets?.perTag.map((t) => [t.tag, t.cases, t.policy]),
      [
        ['easy', 124, 'settled:64x2'],
        ['hard', 76, 'stability:128x2'],
      ],
    );
    assert.deepEqual(Object.fromEntries(Object.entries(plan.byTag).map(([tag, p]) => [tag, p.policy])), { easy: 'settled:64x2', hard: 'stability:128x2' });
    assert.equal(plan.fallback.policy, 'stability:128x2');
  });

  it('stops each tagged request at the stop token and with the answer the sweep measured for its tag', () => {
    for (const tag of ['easy', 'hard']) {
      const policy = plan.byTag[tag].policy;
      // The first case of the tag where the sweep measured an early stop (some short traces run to the end).
      const i = cases.findIndex((c, k) => c.tags[0] === tag && (result.caseResults?.[k].policies[policy]?.stopToken ?? Infinity) < (result.caseResults?.[k].totalTokens ?? 0));
      const want = result.caseResults?.[i].policies[policy];
      assert.ok(want, `${tag}: the sweep stops ${policy} early on some case`);
      const stopper = createTagStopper(plan, [tag]);
      assert.equal(stopper.policy.policy, policy);
      const { stoppedAt, decision } = run(stopper, cases[i].output as string);
      assert.ok(stoppedAt >= 0, `${tag}: stopped before the stream ended`);
      assert.equal(decision.tokens, want.stopToken, tag);
      assert.equal(decision.answer, want.answer ?? undefined, tag);
    }
  });

  it('reads only the first tag, accepts one tag as a string, and the plan as JSON text', () => {
    assert.equal(createTagStopper(plan, ['hard', 'easy']).policy.policy, 'stability:128x2');
    assert.equal(createTagStopper(plan, 'easy').policy.policy, 'settled:64x2');
    assert.equal(createTagStopper(JSON.stringify(plan), ['hard']).policy.policy, 'stability:128x2');
  });

  it('gives an unknown tag and an untagged request the fallback, which stops where the sweep measured it', () => {
    for (const tags of [['medium'], [], null, undefined]) assert.equal(createTagStopper(plan, tags).policy.policy, 'stability:128x2', JSON.stringify(tags));
    const i = cases.findIndex((_, k) => (result.caseResults?.[k].policies['stability:128x2']?.stopToken ?? Infinity) < (result.caseResults?.[k].totalTokens ?? 0));
    const { stoppedAt, decision } = run(createTagStopper(plan, ['medium']), cases[i].output as string);
    assert.ok(stoppedAt >= 0);
    assert.equal(decision.tokens, result.caseResults?.[i].policies['stability:128x2'].stopToken);
  });

  it('refuses a broken plan with the cause', () => {
    assert.throws(() => createTagStopper('{', ['easy']), /^Error: prompt-budget: invalid per-tag plan: not valid JSON/);
    assert.throws(() => createTagStopper({ ...plan, format: 'prompt-budget-policy' }, ['easy']), /invalid per-tag plan: "format" must be "prompt-budget-tag-plan" \(got "prompt-budget-policy"\)/);
    // A policy inside the plan is checked as an exported policy is, and the error names its tag.
    const broken = { ...plan, byTag: { ...plan.byTag, hard: { ...plan.byTag.hard, spec: { kind: 'cutoff', tokens: -1 } } } };
    assert.throws(() => createTagStopper(broken, ['easy']), /invalid per-tag plan: .*hard/);
  });
});
