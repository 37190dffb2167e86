import assert from 'node:assert/strict';
import { generationTokens } from '../../../../src/core/live/usageTokens';
import { runLive } from '../../../../src/core/live/liveRun';
import { getTokenizer } from '../../../../src/core/tokens';

const REASONING = 'Let me think about 17 times 3. Seventeen times three: 10 times 3 is 30, 7 times 3 is 21, so 51. '.repeat(8);

/** A stream as a provider that leaves reasoning out of completion_tokens sends it (recorded shape). */
function recordedStream(): Response {
  const chunk = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
  const body =
    chunk({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: REASONING.slice(0, 200) } }] }) +
    chunk({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { reasoning_content: REASONING.slice(200) } }] }) +
    chunk({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: '51' }, finish_reason: null }] }) +
    chunk({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } }) +
    'data: [DONE]\n\n';
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

describe('core/live/usageTokens', () => {
  const never = (): number => {
    throw new Error('not needed');
  };

  it('trusts completion_tokens that include the reported reasoning_tokens', () => {
    assert.equal(generationTokens({ completionTokens: 400, reasoningTokens: 340 }, 'r', never, never), 400);
  });

  it('adds reasoning_tokens that completion_tokens leaves out', () => {
    assert.equal(generationTokens({ completionTokens: 2, reasoningTokens: 340 }, 'r', never, never), 342);
  });

  it('counts the reasoning text when the server reports neither it nor enough completion tokens', () => {
    assert.equal(generationTokens({ completionTokens: 2 }, 'long reasoning', () => 300, never), 302);
    assert.equal(generationTokens({ completionTokens: 500 }, 'long reasoning', () => 300, never), 500);
    assert.equal(generationTokens({ completionTokens: 7 }, '', never, never), 7);
    assert.equal(generationTokens(undefined, '', never, () => 9), 9);
  });

  it('a live run over a stream saying completion_tokens 2 for long reasoning counts the reasoning', async () => {
    const { results, progress } = await runLive([{ id: 'a', question: 'What is 17 × 3?', answers: ['51'], tags: [], line: 1 }], {
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      maxTokens: 1000,
      retries: 0,
      fetch: () => Promise.resolve(recordedStream()),
    });
    assert.equal(results[0].output, `<think>${REASONING}</think>51`);
    assert.deepEqual(results[0].usage, { promptTokens: 12, completionTokens: 2 });
    const reasoning = getTokenizer('o200k_base', 'gpt-tokenizer').count(REASONING);
    assert.ok(reasoning > 100);
    assert.equal(progress.completionTokens, 2 + reasoning);
  });
});
