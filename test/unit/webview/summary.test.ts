// The summary above the table: settings line, recommendation and cost per call, notes.
// Prices are the defaults ($2.50 in, $10 out per 1M tokens) and the prompt has 120 tokens.
import * as assert from 'node:assert/strict';
import { summaryView } from '../../../src/webview/summary';
import { summary } from './fixture';

describe('sweep summary', () => {
  const prices = { inputPer1M: 2.5, outputPer1M: 10 };

  it('states the settings and the recommendation with its cost per call', () => {
    const view = summaryView(summary(), prices);
    assert.equal(view.title, 'data/gsm8k.jsonl');
    assert.equal(view.meta, '120 cases · o200k_base · extract last-number · match numeric · margin 1.0 pts · 1.2 s');
    // At a 1-point margin on 120 cases nothing beats full length: the recommendation is full itself.
    assert.deepEqual(view.recommendation, {
      policy: 'full',
      label: 'full length',
      effect: ': ±0% tokens · EM 91.7% · 110/120 → 91.7% · 110/120 (0.0 pts, 95% CI 0.0…0.0)',
      cost: 'Cost per call $0.00133 → $0.00133 (±0%), prompt 120 tokens included',
    });
    assert.equal(view.none, null);
    assert.equal(view.notes.length, 1);
    // The power note takes the policies within the margin (one of 120 cases disagrees), not the broken short cutoffs.
    assert.match(view.notes[0], /^With 120 cases and a 0\.8% discordance rate \(the median policy within the margin vs full\) .* can only detect an EM loss of ≥ 2\.1 points/);
  });

  it('prices output only when the prompt is unknown, and says when nothing is recommended', () => {
    const s = summary(null);
    assert.match(summaryView(s, prices).recommendation!.cost, /, output only$/);
    const none = summaryView({ ...s, result: { ...s.result, recommendation: null } }, prices);
    assert.equal(none.recommendation, null);
    assert.equal(none.none, 'No policy stays within −1.0 pts of full-length EM at this margin.');
  });
});
