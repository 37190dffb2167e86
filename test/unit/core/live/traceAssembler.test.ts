import assert from 'node:assert/strict';
import { LiveError } from '../../../../src/core/live/liveError';
import { traceText } from '../../../../src/core/live/liveRun';
import { OpenAiClient } from '../../../../src/core/live/openAiClient';
import { readDelta, TraceAssembler } from '../../../../src/core/live/traceAssembler';
import { createStopper } from '../../../../src/runtime/createStopper';
import { stopStream } from '../../../../src/runtime/streams';
import { toExportedPolicy } from '../../../../src/core/policyExport';

/** A Magistral stream as Mistral sends it: content as a list of thinking and text parts. */
const MAGISTRAL = [
  { choices: [{ delta: { role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: '6 * 7 ' }] }] } }] },
  { choices: [{ delta: { content: [{ type: 'thinking', thinking: [{ type: 'text', text: '= 42.' }] }] } }] },
  { choices: [{ delta: { content: [{ type: 'text', text: 'The answer is ' }] } }] },
  { choices: [{ delta: { content: '42.' }, finish_reason: 'stop' }] },
];

/** Reasoning that arrives after content has started. */
const LATE = [
  { choices: [{ delta: { reasoning_content: 'first. ' } }] },
  { choices: [{ delta: { content: 'The answer is ' } }] },
  { choices: [{ delta: { reasoning_content: 'late. ' } }] },
  { choices: [{ delta: { content: '7.' }, finish_reason: 'stop' }] },
];

function sseResponse(events: unknown[], tail = 'data: [DONE]\n\n'): Response {
  const text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + tail;
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

function clientFor(events: unknown[]): OpenAiClient {
  return new OpenAiClient({ baseUrl: 'http://127.0.0.1:1/v1', fetch: async () => sseResponse(events), timeoutMs: 2000 });
}

function stopper() {
  return createStopper(toExportedPolicy('full', { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' } }));
}

describe('core/live/traceAssembler', () => {
  it('reads content parts: thinking parts are reasoning, text parts are content', () => {
    assert.deepEqual(readDelta(MAGISTRAL[0].choices[0].delta), { reasoning: '6 * 7 ', content: '' });
    assert.deepEqual(readDelta(MAGISTRAL[2].choices[0].delta), { reasoning: '', content: 'The answer is ' });
    assert.deepEqual(readDelta({ reasoning: 'r', content: 'c' }), { reasoning: 'r', content: 'c' });
    assert.deepEqual(readDelta(null), { reasoning: '', content: '' });
  });

  it('the live client records a Magistral stream as <think>thinking</think>text', async () => {
    const r = await clientFor(MAGISTRAL).streamChat({ model: 'magistral', messages: [] });
    assert.equal(r.reasoning, '6 * 7 = 42.');
    assert.equal(r.content, 'The answer is 42.');
    assert.equal(traceText(r), '<think>6 * 7 = 42.</think>The answer is 42.');
  });

  it('an empty completion is an error that says so, not an empty trace', async () => {
    const empty = [{ choices: [{ delta: { content: [] } }] }, { choices: [{ delta: {}, finish_reason: 'stop' }] }];
    await assert.rejects(clientFor(empty).streamChat({ model: 'm', messages: [] }), (e: unknown) => {
      assert.ok(e instanceof LiveError);
      assert.match(e.message, /empty completion \(finish_reason "stop"\)/);
      return true;
    });
  });

  it('late reasoning: the live client and the runtime build the same trace (all reasoning before the content)', async () => {
    const want = '<think>first. late. </think>The answer is 7.';
    const live = await clientFor(LATE).streamChat({ model: 'm', messages: [] });
    assert.equal(traceText(live), want);
    const runtime = await stopStream(sseResponse(LATE), stopper());
    assert.equal(runtime.text, want);
    assert.equal(runtime.truncated, false);
    const a = new TraceAssembler();
    const streamed = LATE.map((e) => a.push(e.choices[0].delta)).join('') + a.end();
    assert.equal(streamed, '<think>first. </think>The answer is 7.');
    assert.equal(a.reordered, true);
    assert.equal(a.text(), want);
  });
});
