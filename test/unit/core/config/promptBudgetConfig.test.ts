// The defaults are a contract shared with the policy module, the schema and the README; parseConfig
// must hand out copies so a caller cannot change them.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, policyName } from '../../../../src/core/policies';
import { DEFAULT_FIELDS } from '../../../../src/core/testSet/resolveFields';

describe('core/config/promptBudgetConfig', () => {
  describe('DEFAULT_CONFIG', () => {
    it('are the documented values, frozen, and shared with the policy module', () => {
      assert.deepEqual(DEFAULT_CONFIG.cutoffs, [32, 64, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024]);
      assert.deepEqual(DEFAULT_CONFIG.cutoffs, DEFAULT_CUTOFFS);
      assert.deepEqual(DEFAULT_CONFIG.policies, DEFAULT_DYNAMIC_POLICIES.map(policyName));
      assert.equal(DEFAULT_CONFIG.encoding, 'o200k_base');
      assert.equal(DEFAULT_CONFIG.engine, 'gpt-tokenizer');
      assert.deepEqual(DEFAULT_CONFIG.extract, { preset: 'last-number' });
      assert.deepEqual(DEFAULT_CONFIG.match, { preset: 'numeric' });
      assert.deepEqual(DEFAULT_CONFIG.fields, DEFAULT_FIELDS);
      // Points in the config (1 = one EM point); the sweep takes it as the fraction 0.01.
      assert.equal(DEFAULT_CONFIG.margin, 1);
      assert.deepEqual([DEFAULT_CONFIG.seed, DEFAULT_CONFIG.resamples, DEFAULT_CONFIG.folds], [1, 2000, 5]);
      assert.deepEqual(DEFAULT_CONFIG.prices, { inputPer1M: 2.5, outputPer1M: 10 });
      // Ollama's OpenAI-compatible endpoint: a live run works out of the box against a local server.
      assert.equal(DEFAULT_CONFIG.live.baseUrl, 'http://localhost:11434/v1');
      assert.ok(Object.isFrozen(DEFAULT_CONFIG.live) && Object.isFrozen(DEFAULT_CONFIG.cutoffs));
    });

    it('apply to an empty or whitespace file without issues, as fresh copies', () => {
      for (const text of ['', '  \n', '{}', '{ /* nothing yet */ }']) {
        const r = parseConfig(text);
        assert.deepEqual(r.issues, [], text);
        assert.deepEqual(r.config, DEFAULT_CONFIG);
      }
      const r = parseConfig('{}');
      // Mutating a returned config must leave the frozen defaults untouched.
      r.config.cutoffs.push(5);
      r.config.live.extraBody.x = 1;
      assert.equal(DEFAULT_CONFIG.cutoffs.length, 12);
      assert.deepEqual(DEFAULT_CONFIG.live.extraBody, {});
    });
  });
});
