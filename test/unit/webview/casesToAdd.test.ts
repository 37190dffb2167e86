// "Cases to add" on the real sweep: at a 1-point margin, marker:0 misses by a single flip.
import * as assert from 'node:assert/strict';
import { casesToAddView } from '../../../src/webview/casesToAdd';
import { caseListItems } from '../../../src/webview/caseList';
import { gsm8kSweep, summary } from './fixture';

describe('cases to add', () => {
  it('says how many cases would settle the policy and what it hinges on', () => {
    const add = gsm8kSweep().casesToAdd!;
    assert.equal(add.policy, 'marker:0');
    const view = casesToAddView(summary(), add);
    assert.equal(view.headline, `Add about ${add.casesToAdd.toLocaleString('en-US')} cases to judge answer marker + 0 tok: about ${add.casesNeeded.toLocaleString('en-US')} in all would show it non-inferior at 80% power, against the 120 you have.`);
    // One flip in 120 cases, ΔEM −1/120 = −0.8 points: the facts say the one flip seen, not the 3 the plan assumes (2.5%).
    assert.equal(add.discordantRate, 0.025);
    assert.equal(view.facts, '−2% tokens · ΔEM −0.8 pts (95% CI −4.9…+2.7) against a 1.0-point margin · the two disagree on 1 of 120 cases');
    assert.deepEqual([view.hinge, view.listFlips], ['The decision hinges on these flipped cases; check them, and add more cases like them:', true]);
  });

  it('says so when no case flips, instead of two empty flip lists', () => {
    const add = { ...gsm8kSweep().casesToAdd!, flipsToWrongIds: [], flipsToRightIds: [] };
    const view = casesToAddView(summary(), add);
    assert.equal(view.hinge, 'No case flips under answer marker + 0 tok; the interval is wide only because the test set is small. Add cases like the ones you have.');
    assert.equal(view.listFlips, false);
    assert.match(view.facts, / · the two disagree on 0 of 120 cases$/);
  });

  it('says enough cases are there when none need adding', () => {
    const add = { ...gsm8kSweep().casesToAdd!, casesToAdd: 0, casesNeeded: 90 };
    assert.match(casesToAddView(summary(), add).headline, /^90 cases should already be enough for answer marker \+ 0 tok at 80% power/);
  });

  it('lists at most 200 ids and counts the rest', () => {
    const ids = Array.from({ length: 205 }, (_, i) => `c${i}`);
    const { shown, more } = caseListItems(ids);
    assert.deepEqual([shown.length, shown[199], more], [200, 'c199', 5]);
    assert.deepEqual(caseListItems(['a']), { shown: ['a'], more: 0 });
  });
});
