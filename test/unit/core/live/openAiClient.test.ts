// The Chat Completions client against a loopback server replaying the first GPT-4 GSM8K rows: what it
// reads from a stream, how it names each failure, and that the API key never reaches a message.
import assert from 'node:assert/strict';
import { OpenAiClient } from '../../../../src/core/live/openAiClient';
import { LiveError } from '../../../../src/core/live/liveError';
import { getTokenizer } from '../../../../src/core/tokens';
import { closedPort, loadSharedRows, startMockServer, type MockRow, type MockServer } from '../../../support/openaiMockServer';

const KEY = 'sk-client-test-0123456789';

function isKind(kind: LiveError['kind'], pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof LiveError, `expected a LiveError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (pattern) assert.match(e.message, pattern);
    assert.ok(!e.message.includes(KEY), 'the key must never appear in an error message');
    return true;
  };
}

describe('core/live/OpenAiClient against the loopback server', () => {
  const rows: MockRow[] = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', 3);
  const thinking: MockRow = { id: 'think-1', question: 'Think first: what is 6 * 7?', answer: '42', output: '<think>6 * 7 = 42, so</think>The answer is 42.' };
  let server: MockServer;
  let client: OpenAiClient;
  const chat = (row: MockRow, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    model: 'mock',
    messages: [{ role: 'user', content: row.question }],
    max_tokens: 4096,
    stream_options: { include_usage: true },
    ...extra,
  });

  before(async () => {
    server = await startMockServer({ rows: [...rows, thinking], apiKey: KEY });
    client = new OpenAiClient({ baseUrl: `${server.baseUrl}/`, apiKey: KEY, timeoutMs: 2000 });
  });
  afterEach(() => server.setFault(undefined));
  after(async () => server.stop());

  it('streams a chat completion token by token and reads usage and finish_reason from the stream', async () => {
    const deltas: string[] = [];
    const r = await client.streamChat(chat(rows[0]), undefined, (d) => deltas.push(d.content ?? ''));
    const tokens = getTokenizer('o200k_base').count(rows[0].output);
    assert.equal(r.content, rows[0].output);
    assert.equal(r.reasoning, '');
    assert.equal(r.finishReason, 'stop');
    // The mock streams one o200k token per chunk and reports that count as usage, as a server counts its own.
    assert.equal(r.usage?.completionTokens, tokens);
    assert.equal(deltas.join(''), rows[0].output);
    assert.ok(deltas.length >= tokens - 2, 'one delta per token');
    const last = server.requests[server.requests.length - 1];
    assert.equal(last.path, '/v1/chat/completions');
    assert.equal(last.authorization, `Bearer ${KEY}`);
    assert.equal(last.body.stream, true);
  });

  it('honours max_tokens (finish_reason length) and max_completion_tokens', async () => {
    const tok = getTokenizer('o200k_base');
    const r = await client.streamChat(chat(rows[1], { max_tokens: 10 }));
    assert.equal(r.finishReason, 'length');
    // The mock stops at max_tokens and says `length`, as a server cutting the answer does.
    assert.equal(r.usage?.completionTokens, 10);
    assert.equal(tok.count(r.content), 10);
    assert.ok(rows[1].output.startsWith(r.content));
    const body = chat(rows[1], { max_completion_tokens: 7 });
    delete body.max_tokens;
    const r2 = await client.streamChat(body);
    assert.equal(r2.usage?.completionTokens, 7);
  });

  it('keeps reasoning sent as reasoning_content or reasoning apart from the content', async () => {
    for (const field of ['reasoning_content', 'reasoning'] as const) {
      const s = await startMockServer({ rows: [thinking], reasoningField: field });
      try {
        const r = await new OpenAiClient({ baseUrl: s.baseUrl }).streamChat(chat(thinking));
        assert.equal(r.reasoning, '6 * 7 = 42, so', field);
        assert.equal(r.content, 'The answer is 42.');
        assert.equal(r.usage?.reasoningTokens, getTokenizer('o200k_base').count('6 * 7 = 42, so'));
      } finally {
        await s.stop();
      }
    }
  });

  it('reads a plain JSON answer when the server ignores stream: true', async () => {
    const real = globalThis.fetch;
    const fake: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      return real(input, { ...init, body: JSON.stringify({ ...body, stream: false }) });
    };
    const r = await new OpenAiClient({ baseUrl: server.baseUrl, apiKey: KEY, fetch: fake }).streamChat(chat(rows[2]));
    assert.equal(r.content, rows[2].output);
    assert.equal(r.finishReason, 'stop');
  });

  it('calls /completions for probes', async () => {
    const prompt = `${rows[0].question}\n\n${rows[0].output.slice(0, 60)}\\boxed{`;
    // "Janet's ducks lay 16 eggs per day. She eats 3 for breakfas…": no gold (18) yet, last number 3.
    const r = await client.complete({ model: 'mock', prompt, max_tokens: 16, temperature: 0 });
    assert.equal(r.text, '3}');
    const full = await client.complete({ model: 'mock', prompt: `${rows[0].question}\n\n${rows[0].output}\\boxed{`, max_tokens: 16 });
    assert.equal(full.text, '18}');
    assert.equal(full.usage?.completionTokens, getTokenizer('o200k_base').count('18}'));
    assert.equal(r.finishReason, 'stop');
    assert.equal(server.requests[server.requests.length - 1].path, '/v1/completions');
  });

  it('classifies 401, 429 with Retry-After, 500 and 400 answers', async () => {
    await assert.rejects(new OpenAiClient({ baseUrl: server.baseUrl, apiKey: 'sk-wrong-key-000' }).streamChat(chat(rows[0])), isKind('auth', /rejected the API key \(401/));
    server.setFault(() => ({ kind: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` }));
    // A server that echoes the key in its error: the client masks it before anyone shows the message.
    await assert.rejects(client.streamChat(chat(rows[0])), isKind('auth', /Incorrect API key provided: \*\*\*/));
    server.setFault(() => ({ kind: 'status', status: 429, retryAfter: '3' }));
    // Retry-After: 3 (seconds) becomes the 3000 ms the retry loop waits.
    await assert.rejects(client.streamChat(chat(rows[0])), (e: unknown) => isKind('http', /429/)(e) && (e as LiveError).retryAfterMs === 3000);
    // An HTTP-date Retry-After counts from the client's clock: 7 s after the injected now.
    server.setFault(() => ({ kind: 'status', status: 503, retryAfter: 'Wed, 21 Oct 2015 07:28:07 GMT' }));
    const fixed = new OpenAiClient({ baseUrl: server.baseUrl, apiKey: KEY, now: () => Date.parse('Wed, 21 Oct 2015 07:28:00 GMT') });
    await assert.rejects(fixed.streamChat(chat(rows[0])), (e: unknown) => isKind('http', /503/)(e) && (e as LiveError).retryAfterMs === 7000);
    server.setFault(() => ({ kind: 'status', status: 500 }));
    await assert.rejects(client.streamChat(chat(rows[0])), (e: unknown) => isKind('http', /500/)(e) && (e as LiveError).status === 500);
    server.setFault(undefined);
    await assert.rejects(client.streamChat({ model: 'mock', messages: [{ role: 'user', content: 'unknown question' }] }), (e: unknown) => isKind('http', /400.*no recorded row/)(e));
  });

  it('never returns half a stream: reset, malformed line and a stream without its end are errors', async () => {
    server.setFault(() => ({ kind: 'reset', afterTokens: 5 }));
    await assert.rejects(client.streamChat(chat(rows[0])), isKind('stream', /mid-response/));
    server.setFault(() => ({ kind: 'malformed', afterTokens: 3 }));
    await assert.rejects(client.streamChat(chat(rows[0])), isKind('protocol', /malformed stream line/));
    const truncated: typeof fetch = async () =>
      new Response('data: {"choices":[{"delta":{"content":"The answer"},"finish_reason":null}]}\n\n', { headers: { 'content-type': 'text/event-stream' } });
    await assert.rejects(new OpenAiClient({ baseUrl: server.baseUrl, fetch: truncated }).streamChat(chat(rows[0])), isKind('stream', /ended before the response was complete/));
  });

  it('times out a slow answer and a stalled stream', async () => {
    const quick = new OpenAiClient({ baseUrl: server.baseUrl, apiKey: KEY, timeoutMs: 200 });
    server.setFault(() => ({ kind: 'delay', ms: 2000 }));
    await assert.rejects(quick.streamChat(chat(rows[0])), isKind('timeout', /no response for 0\.2 s/));
    // The client gave up before the server's answer: a client that waited would have resolved.
    assert.equal(server.requests[server.requests.length - 1].completed, false);
    server.setFault(() => ({ kind: 'stall', afterTokens: 4 }));
    await assert.rejects(quick.streamChat(chat(rows[0])), isKind('timeout'));
  });

  it('reports an unreachable server as "cannot reach <url>: connect ECONNREFUSED"', async () => {
    const port = await closedPort();
    await assert.rejects(new OpenAiClient({ baseUrl: `http://127.0.0.1:${port}/v1` }).streamChat(chat(rows[0])), (e: unknown) => {
      assert.ok(isKind('unreachable')(e));
      assert.equal((e as Error).message, `cannot reach http://127.0.0.1:${port}/v1: connect ECONNREFUSED`);
      return true;
    });
    // Port 9 never gets as far as connecting: fetch refuses it.
    await assert.rejects(new OpenAiClient({ baseUrl: 'http://127.0.0.1:9/v1' }).streamChat(chat(rows[0])), isKind('unreachable', /^cannot reach http:\/\/127\.0\.0\.1:9\/v1: fetch refuses this port/));
  });

  it('stops a request as soon as the signal aborts', async () => {
    // A server that streams one token every 20 ms: a client that let the stream run on would get the
    // whole answer and resolve, so only an abort that cuts the stream ends in 'cancelled'.
    const slow = await startMockServer({ rows, chunkDelayMs: 20 });
    try {
      const ctl = new AbortController();
      let deltas = 0;
      const pending = new OpenAiClient({ baseUrl: slow.baseUrl }).streamChat(chat(rows[0]), ctl.signal, () => {
        deltas++;
        ctl.abort();
      });
      await assert.rejects(pending, isKind('cancelled'));
      assert.ok(deltas >= 1);
      assert.ok(getTokenizer('o200k_base').count(rows[0].output) > 20, 'the answer takes many chunks');
      assert.deepEqual(slow.requests.map((q) => q.completed), [false]);
    } finally {
      await slow.stop();
    }
  });
});
