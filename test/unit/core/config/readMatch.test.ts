// The match setting: a preset name or an object with options; typos get a suggestion.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import type { LineIssue } from '../../../../src/core/types';

const brief = (issues: LineIssue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.line}:${i.column} ${i.message}`);

describe('core/config/readMatch', () => {
  it('accepts match as a preset name and checks its options', () => {
    assert.deepEqual(parseConfig('{"match": "math"}').config.match, { preset: 'math' });
    const r = parseConfig('{"match": {"ignoreCase": true, "regexToIgnore": []}}');
    assert.deepEqual(r.config.match, { preset: 'numeric', ignoreCase: true });
    assert.deepEqual(brief(r.issues), ['warning 1:32 unknown setting "match.regexToIgnore" (did you mean "regexesToIgnore"?); ignored']);
  });
});
