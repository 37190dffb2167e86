// "Did you mean" must help with typos and stay quiet otherwise: a wrong suggestion is worse than none.
import assert from 'node:assert/strict';
import { suggest } from '../../../../src/core/config/suggest';

describe('core/config/suggest', () => {
  const known = ['testSets', 'prompt', 'encoding', 'cutoffs', 'margin'];

  it('suggests the closest known name, ignoring case', () => {
    assert.equal(suggest('cutofs', known), ' (did you mean "cutoffs"?)');
    assert.equal(suggest('TESTSETS', known), ' (did you mean "testSets"?)');
    assert.equal(suggest('encodnig', known), ' (did you mean "encoding"?)');
  });

  it('stays quiet when nothing is close: at most one edit per three letters', () => {
    // "model" is a live setting, not a top-level one: no near match here, so no suggestion.
    assert.equal(suggest('model', known), '');
    assert.equal(suggest('xyz', known), '');
    assert.equal(suggest('margin', []), '');
    // "prmt" is two edits from "prompt" (6 letters allow two).
    assert.equal(suggest('prmt', known), ' (did you mean "prompt"?)');
    assert.equal(suggest('pmt', known), '');
  });
});
