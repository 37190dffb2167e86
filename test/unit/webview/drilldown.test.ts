// The drill-down's case view: a hand-made case, so the cut offset and the texts are known exactly.
// The question carries markup on purpose: the view keeps it as text (rendering uses textContent).
import * as assert from 'node:assert/strict';
import type { CaseDetail } from '../../../src/shared/protocol';
import { caseView, drilldownKey, flipText, verdictText } from '../../../src/webview/drilldown';
import { viewState } from './fixture';

describe('drill-down', () => {
  const detail: CaseDetail = {
    policy: 'cutoff:64',
    policyLabel: 'cutoff 64',
    caseId: 'gsm8k-test-3',
    line: 4,
    question: 'How many <b>bolts</b>?',
    gold: ['3', '3.0'],
    trace: 'It takes 2 bolts of blue. The answer is 3.',
    cutAt: 25,
    stopToken: 8,
    totalTokens: 13,
    baselineAnswer: '3',
    baselineCorrect: true,
    answer: '2',
    correct: false,
    reason: 'cutoff at 64 tokens',
  };

  it('names the flip and splits the trace at the cut', () => {
    const view = caseView(detail);
    assert.equal(view.heading, 'Case gsm8k-test-3 under cutoff 64: right → wrong');
    // cutAt 25 is the UTF-16 offset just after "blue."
    assert.equal(view.kept, 'It takes 2 bolts of blue.');
    assert.equal(view.dropped, ' The answer is 3.');
    assert.equal(view.marker, '✂ stop at token 8');
    assert.deepEqual(
      view.facts.map((f) => [f.term, f.text, f.verdict]),
      [
        ['Question', 'How many <b>bolts</b>?', undefined],
        ['Gold', '3 | 3.0', undefined],
        ['Full length', '3 ✓', true],
        ['cutoff 64', '2 ✗', false],
        ['Stopped', 'cutoff at 64 tokens', undefined],
        ['Kept', '8 of 13 tokens', undefined],
      ],
    );
  });

  it('words every flip and a missing answer', () => {
    assert.equal(flipText(false, true), 'wrong → right');
    assert.equal(flipText(true, true), 'unchanged');
    assert.equal(flipText(false, false), 'unchanged');
    assert.equal(verdictText(null, false), '(no answer: cut before answer) ✗');
  });

  it('is rebuilt for another selection or case, not for sort or progress', () => {
    const v = viewState({ selectedPolicy: 'cutoff:64' });
    const key = drilldownKey(v);
    assert.equal(drilldownKey({ ...v, sort: { key: 'em', descending: true }, running: { done: 1, total: 2 } }), key);
    assert.notEqual(drilldownKey({ ...v, selectedPolicy: 'cutoff:96' }), key);
    assert.notEqual(drilldownKey({ ...v, detail }), key);
  });
});
