// The panel's prompt-token drift block: its summary and case lines, from core's promptDrift.
import * as assert from 'node:assert/strict';
import { promptDrift } from '../../../src/core/live/promptDrift';
import { promptDriftCaseText, promptDriftSummary } from '../../../src/webview/promptDrift';

describe('prompt drift in the panel', () => {
  it('says how many cases differ, the mean, mean |drift| and the largest, and lists the cases largest first', () => {
    const d = promptDrift(
      [
        { id: 'a', localPromptTokens: 100, usage: { promptTokens: 100 } },
        { id: 'b', localPromptTokens: 120, usage: { promptTokens: 125 } },
        { id: 'c', localPromptTokens: 90, usage: { promptTokens: 88 } },
        { id: 'd', localPromptTokens: 50 },
      ],
      'o200k_base',
    );
    assert.ok(d);
    assert.equal(promptDriftSummary(d), 'Prompt tokens, server − local (o200k_base): differ on 2 of 3 cases · mean +1.0 · mean |drift| 2.3 · max +5 on b');
    assert.deepEqual(d.worst.map(promptDriftCaseText), ['b: +5 (local 120, server 125)', 'c: −2 (local 90, server 88)']);
  });

  it('says the counts are equal when no case differs', () => {
    const one = promptDrift([{ id: 'a', localPromptTokens: 7, usage: { promptTokens: 7 } }], 'tokenizer-qwen3/models');
    assert.ok(one);
    assert.equal(promptDriftSummary(one), 'Prompt tokens, server − local (tokenizer-qwen3/models): equal on all 1 case');
  });

  it('writes a negative mean with a minus sign', () => {
    const d = promptDrift(
      [
        { id: 'x', localPromptTokens: 60, usage: { promptTokens: 53 } },
        { id: 'y', localPromptTokens: 61, usage: { promptTokens: 54 } },
      ],
      'o200k_base',
    );
    assert.ok(d);
    assert.equal(promptDriftSummary(d), 'Prompt tokens, server − local (o200k_base): differ on 2 of 2 cases · mean −7.0 · mean |drift| 7.0 · max −7 on x');
  });
});
