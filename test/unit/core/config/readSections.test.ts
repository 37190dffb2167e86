// The simple sections of promptbudget.json (test sets, cutoffs, policies, fields, prices, folds): what is
// accepted, what falls back to the default, and the words of each issue.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';
import { parsePolicy } from '../../../../src/core/policies';
import { DEFAULT_FIELDS } from '../../../../src/core/testSet/resolveFields';
import type { LineIssue } from '../../../../src/core/types';

const brief = (issues: LineIssue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.line}:${i.column} ${i.message}`);

describe('core/config/readSections', () => {
  it('accepts a single test set path and a null prompt; rejects empty paths', () => {
    assert.deepEqual(parseConfig('{"testSets": "a.jsonl", "prompt": null}').config.testSets, ['a.jsonl']);
    const r = parseConfig('{"testSets": ["a.jsonl", "", 3], "prompt": ""}');
    assert.deepEqual(r.config.testSets, ['a.jsonl']);
    assert.equal(r.config.prompt, null);
    assert.deepEqual(brief(r.issues), [
      'error 1:26 "testSets[]" must be a non-empty string, got ""',
      'error 1:30 "testSets[]" must be a non-empty string, got 3',
      'error 1:44 "prompt" must be a non-empty string, got ""',
    ]);
  });

  it('keeps cutoffs sorted without duplicates; an empty list stays empty, a list of only bad ones falls back', () => {
    assert.deepEqual(parseConfig('{"cutoffs": [256, 32, 1024]}').config.cutoffs, [32, 256, 1024]);
    assert.deepEqual(parseConfig('{"cutoffs": []}').config.cutoffs, []);
    assert.deepEqual(parseConfig('{"cutoffs": [-1]}').config.cutoffs, DEFAULT_CONFIG.cutoffs);
    assert.deepEqual(brief(parseConfig('{"cutoffs": 64}').issues), ['error 1:13 "cutoffs" must be a list, got 64; default used']);
  });

  it('accepts any non-empty policy name without a validator, and warns about duplicates', () => {
    const r = parseConfig('{"policies": ["anything:1", "anything:1", ""]}');
    assert.deepEqual(r.config.policies, ['anything:1']);
    assert.deepEqual(brief(r.issues), ['warning 1:29 duplicate policy "anything:1"', 'error 1:43 "policies[]" must be a non-empty string, got ""']);
  });

  it('checks policy names with the validator it is given', () => {
    const validatePolicy = (name: string): string | null => parsePolicy(name).error ?? null;
    const r = parseConfig('{"policies": ["marker:16", "stability:0x2"]}', { validatePolicy });
    assert.deepEqual(r.config.policies, ['marker:16']);
    assert.deepEqual(brief(r.issues), ['error 1:28 policy "stability:0x2": expected stability:<every>x<repeats> with positive integers, e.g. stability:32x2']);
  });

  it('reads fields as one name or a list, and keeps the defaults for the rest', () => {
    // An empty list is an error (no name to read) and keeps the default; an unknown field is only a warning.
    const r = parseConfig('{"fields": {"question": "problem", "answer": ["gold", "target"], "id": [], "tag": "x"}}');
    assert.deepEqual(r.config.fields, { ...DEFAULT_FIELDS, question: ['problem'], answer: ['gold', 'target'] });
    assert.deepEqual(brief(r.issues), [
      'error 1:72 "fields.id" must be a column name or a non-empty list of names, got a list; default used',
      'warning 1:76 unknown field "tag" (did you mean "tags"?) (fields are "id", "question", "answer", "answers", "output" or "tags"); ignored',
    ]);
    assert.deepEqual(parseConfig('{"fields": "q"}').config.fields, DEFAULT_FIELDS);
  });

  it('reads prices and folds within their ranges', () => {
    const r = parseConfig('{"prices": {"inputPer1M": 0.15, "outputPer1M": -1, "cachedPer1M": 1}, "folds": 1}');
    assert.deepEqual(r.config.prices, { inputPer1M: 0.15, outputPer1M: DEFAULT_CONFIG.prices.outputPer1M });
    assert.equal(r.config.folds, DEFAULT_CONFIG.folds);
    assert.deepEqual(r.issues.map((i) => i.message), [
      '"prices.outputPer1M" must be a number from 0 to 1000000, got -1',
      'unknown setting "prices.cachedPer1M"; ignored',
      '"folds" must be 0 (off) or an integer from 2 to 20, got 1',
    ]);
    // 0 turns cross-validation off; 1 fold would be no cross-validation at all, hence the gap.
    assert.deepEqual([0, 2, 20].map((f) => parseConfig(`{"folds": ${f}}`).config.folds), [0, 2, 20]);
  });
});
