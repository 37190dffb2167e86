// The per-tag section's cells, footer rows and headline, from hand-made groups.
import * as assert from 'node:assert/strict';
import type { TagBudgets } from '../../../src/core/types';
import { tagBudgetsView } from '../../../src/webview/tagBudgets';
import { summary } from './fixture';

describe('per-tag budgets', () => {
  // Hand-made groups over the fixture's policies: arithmetic twice as many as algebra.
  const tb: TagBudgets = {
    perTag: [
      { tag: 'arithmetic', cases: 80, policy: 'cutoff:96', fallback: false, em: 0.9, deltaEm: -0.0125, meanTokens: 70, savings: 0.3 },
      { tag: 'algebra', cases: 36, policy: 'marker:0', fallback: false, em: 0.8611, deltaEm: 0, meanTokens: 120, savings: 0.05 },
      { tag: 'rare', cases: 4, policy: 'marker:0', fallback: true, em: 0.75, deltaEm: 0, meanTokens: 60, savings: 0.02 },
    ],
    overall: { em: 107 / 120, deltaEm: -0.0083, ci95: [-0.031, 0.012], meanTokens: 80, savings: 0.22 },
    single: { policy: 'marker:0', meanTokens: 101, savings: 0.0185 },
    extraSavingsOverSingle: 0.2015,
    minCases: 10,
    margin: 0.01,
    search: 'exhaustive',
    crossValidation: null,
    message: 'The plan saves more than the single policy.',
  };

  it('formats each group, the plan and the single policy', () => {
    const view = tagBudgetsView(summary(), tb);
    assert.deepEqual(
      view.rows.map((r) => [r.tag, r.cells.cases, r.policyLabel, r.cells.tokens, r.cells.em, r.cells.deltaEm, r.fallbackNote]),
      [
        ['arithmetic', '80', 'cutoff 96', '−30%', '90.0% · 72/80', '−1.3', null],
        ['algebra', '36', 'answer marker + 0 tok', '−5%', '86.1% · 31/36', '0.0', null],
        ['rare', '4', 'answer marker + 0 tok', '−2%', '75.0% · 3/4', '0.0', 'Fewer than 10 cases: takes the overall recommendation'],
      ],
    );
    assert.deepEqual(view.plan, ['Per-tag plan', '120', 'ΔEM 95% CI −3.1…+1.2', '−22%', '89.2% · 107/120', '−0.8']);
    assert.deepEqual(view.single, ['Best single policy', '', 'answer marker + 0 tok', '−2%', '', '']);
    assert.equal(view.headline, 'Per-tag plan: −22% tokens, ΔEM −0.8 pts (95% CI −3.1…+1.2); answer marker + 0 tok alone: −2% tokens.');
    assert.equal(view.openByDefault, true);
    assert.match(view.exportTip!, /any other tag marker:0$/);
  });

  it('offers no plan export when every tag takes the single policy, and folds long lists', () => {
    // With one policy everywhere the plan is the single policy: exporting it would add nothing.
    const same = { ...tb, perTag: tb.perTag.map((t) => ({ ...t, policy: 'marker:0' })) };
    assert.equal(tagBudgetsView(summary(), same).exportTip, null);
    const many = { ...tb, perTag: Array.from({ length: 9 }, (_, i) => ({ ...tb.perTag[0], tag: `t${i}` })) };
    assert.equal(tagBudgetsView(summary(), many).openByDefault, false);
  });
});
