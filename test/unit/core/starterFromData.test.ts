import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cutoffsForLengths, inspectTestSetHead, starterConfigText, startersForTraces } from '../../../src/core/starterFromData';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { DEFAULT_DYNAMIC_POLICIES, parsePolicy, policyName, THINKING_DYNAMIC_POLICIES } from '../../../src/core/policies';
import { detectPresets } from '../../../src/core/detectPresets';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { countTokens, getTokenizer } from '../../../src/core/tokens';

const DATA = path.resolve(__dirname, '../../../../shared/data');

describe('core/starterFromData', () => {
  describe('inspectTestSetHead', () => {
    it('recognises a shared data file from its first kilobytes', () => {
      const head = readFileSync(path.join(DATA, 'gsm8k_thoughtology_deepseek_r1.jsonl'), 'utf8').slice(0, 4096);
      assert.deepEqual(inspectTestSetHead(head, 'gsm8k_thoughtology_deepseek_r1.jsonl'), { isTestSet: true, hasOutput: true, fields: {} });
    });

    it('maps other field names, in JSONL, a JSON array and CSV', () => {
      assert.deepEqual(inspectTestSetHead('{"id":1,"problem":"q","gold":"3","response":"x"}\n{"id":2', 'a.jsonl'), {
        isTestSet: true,
        hasOutput: true,
        fields: { question: ['problem'], answer: ['gold'], output: ['response'] },
      });
      assert.deepEqual(inspectTestSetHead('[\n {"question": "a {", "answer": "b", "output": "c \\" }"}, {"question"', 'a.json'), { isTestSet: true, hasOutput: true, fields: {} });
      assert.deepEqual(inspectTestSetHead('id,input,answers\n1,a,b', 'a.csv'), { isTestSet: true, hasOutput: false, fields: {} });
    });

    it('rejects files that are not test sets', () => {
      for (const [head, name] of [
        ['{"name": "pkg", "version": "1.0.0"}', 'package.json'],
        ['{"question": "only a question"}', 'q.jsonl'],
        ['not json at all', 'x.jsonl'],
        ['a,b,c\n1,2,3', 't.csv'],
      ]) assert.equal(inspectTestSetHead(head as string, name as string).isTestSet, false, name);
    });
  });

  describe('cutoffsForLengths', () => {
    it('keeps round cutoffs up to about the p95 of the full lengths, the longest ten', () => {
      const gsm = Array.from({ length: 100 }, (_, i) => 60 + i * 1.5); // p95 = 60 + 94 × 1.5 = 201
      assert.deepEqual(cutoffsForLengths(gsm), [16, 32, 48, 64, 96, 128, 160, 192]);
      const r1 = Array.from({ length: 100 }, (_, i) => 500 + i * 27); // p95 = 3038
      assert.deepEqual(cutoffsForLengths(r1), [160, 192, 256, 320, 384, 512, 768, 1024, 1536, 2048, 3072].slice(-10));
      assert.deepEqual(cutoffsForLengths([]), []);
      assert.deepEqual(cutoffsForLengths([5, 6, 7]), [7]);
    });
  });

  describe('startersForTraces', () => {
    const plan = (file: string) => {
      const traced = parseTestSet(readFileSync(path.join(DATA, file))).cases.filter((c) => typeof c.output === 'string');
      const tok = getTokenizer('o200k_base');
      const outputs = traced.map((c) => c.output as string);
      const starter = startersForTraces(outputs, outputs.map((o) => countTokens(tok, o).count));
      const text = starterConfigText({ testSets: [file], prompt: null, detected: detectPresets(traced), cutoffs: starter.cutoffs, thinking: starter.thinking });
      return { starter, config: parseConfig(text, { validatePolicy: (n) => parsePolicy(n).error ?? null }) };
    };

    it('writes the thinking policies and ladder for the thought-anchors R1 traces (all 40 have <think>)', () => {
      const { starter, config } = plan('math_thoughtanchors_r1distill_think.jsonl');
      assert.equal(starter.thinking, true);
      assert.deepEqual(starter.cutoffs, [256, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144]);
      assert.deepEqual(config.issues, []);
      assert.deepEqual(config.config.policies, THINKING_DYNAMIC_POLICIES.map(policyName));
      assert.ok(!(config.config.policies ?? []).includes('stability:16x2'));
      assert.deepEqual(config.config.extract, { preset: 'boxed' });
    });

    it('keeps the short chain-of-thought policies for traces without thinking', () => {
      const { starter, config } = plan('gsm8k_faithfulcot_gpt4_cot.jsonl');
      assert.equal(starter.thinking, false);
      assert.deepEqual(config.config.policies, DEFAULT_DYNAMIC_POLICIES.map(policyName));
      assert.deepEqual(startersForTraces([], []), { cutoffs: [], thinking: false });
      assert.equal(startersForTraces(['<think>a</think>b', 'c', 'd'], [10, 10, 10]).thinking, false);
    });
  });

  describe('starterConfigText', () => {
    it('writes only the given paths, the detected presets and the cutoffs, and parses without issues', () => {
      const text = starterConfigText({
        testSets: ['data/r1.jsonl'],
        prompt: null,
        fields: { output: ['response'] },
        detected: { extract: { preset: 'boxed' }, match: { preset: 'numeric' }, reason: 'r' },
        cutoffs: [256, 512],
      });
      const { config, issues } = parseConfig(text, { validatePolicy: (n) => parsePolicy(n).error ?? null });
      assert.deepEqual(issues, []);
      assert.deepEqual(config.testSets, ['data/r1.jsonl']);
      assert.equal(config.prompt, null);
      assert.ok(!text.includes('"prompt"'));
      assert.deepEqual([config.extract, config.match, config.cutoffs], [{ preset: 'boxed' }, { preset: 'numeric' }, [256, 512]]);
      assert.deepEqual(config.fields.output, ['response']);
      assert.match(text, /"cutoffs": \[256, 512\],/);
    });

    it('writes a regex extraction as an object and no test set when there is none', () => {
      const text = starterConfigText({ testSets: [], prompt: 'p.prompt.md', detected: { extract: { preset: 'regex', pattern: '^([\\s\\S]+)$' }, match: { preset: 'squad' }, reason: 'r' } });
      const { config, issues } = parseConfig(text);
      assert.deepEqual(issues, []);
      assert.deepEqual(config.testSets, []);
      assert.equal(config.prompt, 'p.prompt.md');
      assert.deepEqual(config.extract, { preset: 'regex', pattern: '^([\\s\\S]+)$' });
    });
  });
});
