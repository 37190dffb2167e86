// The starter file the editor writes must read back without a single issue.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';
import { STARTER_CONFIG_TEXT } from '../../../../src/core/config/starterConfig';
import { parsePolicy } from '../../../../src/core/policies';

const validatePolicy = (name: string): string | null => parsePolicy(name).error ?? null;

describe('core/config/starterConfig', () => {
  it('STARTER_CONFIG_TEXT parses without issues, has no $schema, and uses the default cutoffs', () => {
    const r = parseConfig(STARTER_CONFIG_TEXT, { validatePolicy });
    assert.deepEqual(r.issues, []);
    // The extension contributes the schema for promptbudget.json, so the file needs no $schema line.
    assert.ok(!STARTER_CONFIG_TEXT.includes('$schema'));
    assert.deepEqual(r.config.cutoffs, DEFAULT_CONFIG.cutoffs);
    assert.deepEqual(r.config.testSets, ['sample/testset.jsonl']);
    assert.deepEqual(r.config.policies, DEFAULT_CONFIG.policies);
    assert.deepEqual(JSON.parse(STARTER_CONFIG_TEXT).cutoffs, DEFAULT_CONFIG.cutoffs);
  });
});
