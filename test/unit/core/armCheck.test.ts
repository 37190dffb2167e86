// The obeyed check of an arm on hand-made figures: the budget it asks for, the paired token
// difference against the baseline, and when that difference counts as "ignored".
import assert from 'node:assert/strict';
import { BUDGET_FIELDS, NO_EFFECT_SHARE, checkArmObeyed, requestedBudget } from '../../../src/core/armCheck';

describe('core/armCheck', () => {
  it('finds a numeric budget field at the top or nested, and nothing else', () => {
    assert.equal(requestedBudget({ max_completion_tokens: 500 }), 500);
    assert.equal(requestedBudget({ thinking: { type: 'enabled', budget_tokens: 1024 } }), 1024);
    assert.equal(requestedBudget({ generationConfig: { thinkingConfig: { thinkingBudget: 0 } } }), 0);
    // A top-level field wins over a nested one; the first listed field wins at the same level.
    assert.equal(requestedBudget({ extra: { budget_tokens: 9 }, thinking_budget: 7 }), 7);
    assert.equal(requestedBudget({ budget_tokens: 2, thinking_token_budget: 1 }), 1);
    assert.equal(BUDGET_FIELDS[0], 'thinking_token_budget');
    // Strings, non-finite numbers, arrays and effort words are not budgets.
    assert.deepEqual(
      [{ max_completion_tokens: '500' }, { budget_tokens: Number.POSITIVE_INFINITY }, { budget_tokens: Number.NaN }, [{ budget_tokens: 5 }], { reasoning_effort: 'low' }, null, 42].map((b) => requestedBudget(b)),
      [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
    );
    // Deeper than five levels is not looked at.
    assert.equal(requestedBudget({ a: { b: { c: { d: { budget_tokens: 3 } } } } }), 3);
    assert.equal(requestedBudget({ a: { b: { c: { d: { e: { budget_tokens: 3 } } } } } }), undefined);
  });

  it('an arm with the baseline\'s tokens looks ignored', () => {
    const r = checkArmObeyed('wrong-field', [100, 200, 300], [100, 200, 300], []);
    assert.deepEqual([r.meanDiff, r.diffCi95, r.noEffect], [0, [0, 0], true]);
    assert.equal(r.requestedBudget, undefined);
    assert.equal(r.reasoningP50, undefined);
    assert.equal(r.reason, "arm wrong-field looks ignored: its tokens differ from the baseline's by +0.0 tokens per case (95% CI 0.0 to 0.0), indistinguishable from no change; check that the server honours its fields");
  });

  it('an arm that halves every case changed the tokens, with the normal-approximation interval', () => {
    // Differences −50, −100, −150: mean −100, sd 50, half-width 1.96 · 50 / √3 = 56.58.
    const r = checkArmObeyed('low', [50, 100, 150], [100, 200, 300], []);
    assert.equal(r.meanDiff, -100);
    assert.ok(Math.abs(r.diffCi95[0] - (-100 - (1.96 * 50) / Math.sqrt(3))) < 1e-9);
    assert.ok(Math.abs(r.diffCi95[1] - (-100 + (1.96 * 50) / Math.sqrt(3))) < 1e-9);
    assert.equal(r.noEffect, false);
    assert.equal(r.reason, 'arm low changed the tokens by -100.0 tokens per case (95% CI -156.6 to -43.4)');
  });

  it('needs both an interval holding 0 and a mean within 5% of the baseline to call an arm ignored', () => {
    assert.equal(NO_EFFECT_SHARE, 0.05);
    // Noisy but centred: differences −200 and +200, mean 0.
    assert.equal(checkArmObeyed('noisy', [0, 400], [200, 200], []).noEffect, true);
    // The interval holds 0 (differences −100 and +300) but the mean moved 100 of 200 tokens: 50%.
    const wide = checkArmObeyed('wide', [100, 500], [200, 200], []);
    assert.ok(wide.diffCi95[0] < 0 && wide.diffCi95[1] > 0);
    assert.equal(wide.noEffect, false);
    // 10 tokens on 200 is exactly 5%: still ignored; 11 is not.
    assert.equal(checkArmObeyed('edge', [210, 210], [200, 200], []).noEffect, false, 'no spread: the interval is the point, 10, which excludes 0');
    assert.equal(checkArmObeyed('edge', [200, 220], [200, 200], []).noEffect, true);
    assert.equal(checkArmObeyed('edge', [200, 222], [200, 200], []).noEffect, false);
  });

  it('pairs only the cases both sides have, and says nothing is ignored without cases', () => {
    assert.equal(checkArmObeyed('short', [100, 100], [100, 100, 900], []).noEffect, true);
    const none = checkArmObeyed('none', [], [100], []);
    assert.deepEqual([none.meanDiff, none.diffCi95, none.noEffect], [0, [0, 0], false]);
  });

  it('reports reasoning quantiles and the share past the requested budget', () => {
    // Sorted 100, 200, 300, 400, 2000: p50 300, p95 400 + 0.8 · 1600 = 1680; 3 of 5 above 256.
    const r = checkArmObeyed('budget-256', [300, 300], [600, 600], [2000, 100, 400, 200, 300], 256);
    assert.deepEqual([r.requestedBudget, r.reasoningP50, r.overBudgetShare], [256, 300, 0.6]);
    assert.ok(Math.abs((r.reasoningP95 ?? 0) - 1680) < 1e-9);
    // The reason rounds to a tenth (interpolation leaves 1679.9999999999998 in the figure).
    assert.equal(r.reason, 'arm budget-256 changed the tokens by -300.0 tokens per case (95% CI -300.0 to -300.0); 60% of cases reasoned past the requested 256 tokens (p95 1680)');
    // Without a budget there is no share, and the reason says nothing of one.
    const free = checkArmObeyed('free', [300, 300], [600, 600], [100, 300]);
    assert.deepEqual([free.reasoningP50, free.overBudgetShare], [200, undefined]);
    assert.doesNotMatch(free.reason, /requested/);
  });
});
