// The extract setting: presets by name, and the regex extractor's pattern, group and flags checked
// before a sweep ever runs (a bad group would otherwise extract nothing, silently).
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';
import type { LineIssue } from '../../../../src/core/types';

const brief = (issues: LineIssue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.line}:${i.column} ${i.message}`);

describe('core/config/readExtract', () => {
  it('checks the regex extractor: pattern, group, flags and preset-only settings', () => {
    const cases: [string, string[], unknown][] = [
      ['{"extract": {"pattern": "#(\\\\d+)"}}', [], { preset: 'regex', pattern: '#(\\d+)' }],
      ['{"extract": {"preset": "regex", "pattern": "(a)(b)", "group": 2}}', [], { preset: 'regex', pattern: '(a)(b)', group: 2 }],
      ['{"extract": {"preset": "regex", "pattern": "x\\\\d"}}', [], { preset: 'regex', pattern: 'x\\d' }],
      ['{"extract": "after-think,choice-letter"}', [], { preset: 'after-think', then: [{ preset: 'choice-letter' }] }],
      ['{"extract": {"preset": "after-think", "then": ["choice-letter", "boxed"], "letters": "A-D"}}', [], { preset: 'after-think', letters: 'A-D', then: [{ preset: 'choice-letter' }, { preset: 'boxed' }] }],
      ['{"extract": {"preset": "choice-letter", "letters": "a-d"}}', ['error 1:52 "extract.letters" must be upper-case letters such as "A-D" or "ABCD", got "a-d"'], DEFAULT_CONFIG.extract],
      ['{"extract": "after-think,boxxed"}', ['error 1:13 unknown extract preset "boxxed" (expected "gsm8k", "last-number", "answer-is", "boxed", "json-answer", "after-think", "choice-letter" or "regex")'], DEFAULT_CONFIG.extract],
      ['{"extract": {"preset": "regex", "pattern": "(a)", "group": 3}}', ['error 1:60 group 3 does not exist: the pattern has 1 capture group'], DEFAULT_CONFIG.extract],
      ['{"extract": {"preset": "regex", "pattern": "(a)", "flags": "iy"}}', ['error 1:60 unsupported regular expression flag "y" (use i, m, s or u)'], DEFAULT_CONFIG.extract],
      ['{"extract": {"preset": "regex"}}', ['error 1:24 the regex preset needs "pattern"'], DEFAULT_CONFIG.extract],
      ['{"extract": "regex"}', ['error 1:13 the regex preset needs a pattern: write { "preset": "regex", "pattern": "…", "group": 1 }'], DEFAULT_CONFIG.extract],
      ['{"extract": "boxed"}', [], { preset: 'boxed' }],
      ['{"extract": "boxd"}', ['error 1:13 unknown extract preset "boxd" (expected "gsm8k", "last-number", "answer-is", "boxed", "json-answer", "after-think", "choice-letter" or "regex")'], DEFAULT_CONFIG.extract],
      ['{"extract": {"preset": "boxed", "group": 1, "grup": 2}}', ['warning 1:42 "extract.group" only applies to the regex preset; ignored', 'warning 1:45 unknown setting "extract.grup" (did you mean "group"?); ignored'], { preset: 'boxed' }],
      ['{"extract": 5}', ['error 1:13 "extract" must be an object, got 5; default used'], DEFAULT_CONFIG.extract],
    ];
    for (const [text, issues, extract] of cases) {
      const r = parseConfig(text);
      assert.deepEqual(brief(r.issues), issues, text);
      assert.deepEqual(r.config.extract, extract, text);
    }
  });
});
