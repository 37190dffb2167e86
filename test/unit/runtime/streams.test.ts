// The stream helpers against SSE bytes, SDK-like iterables and a real server on 127.0.0.1 that sees the
// client leave when the policy stops.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toExportedPolicy } from '../../../src/core/policyExport';
import type { ExtractPreset } from '../../../src/core/types';
import { createStopper } from '../../../src/runtime/createStopper';
import { stopOpenAIStream, stopStream, type ChatCompletionChunkLike } from '../../../src/runtime/streams';
import { sweepOutcomes } from './parityHelpers';

const REASONING = ['Let me think. ', '3 apples and 4 pears: ', '3 + 4 = 7. ', 'Double check: 7.'];
// Multibyte text first, so byte-sized SSE pieces cut UTF-8 sequences in half.
const CONTENT = ['中文 😀 ', 'The answer is ', '7', '. Extra words after the answer, ', 'and a number 12 at the end.'];
// The form the live client records and the sweep measured: reasoning in a think block, then the content.
const TRACE = `<think>${REASONING.join('')}</think>${CONTENT.join('')}`;

function chunks(): ChatCompletionChunkLike[] {
  return [
    ...REASONING.map((r) => ({ choices: [{ delta: { reasoning_content: r } }] })),
    ...CONTENT.map((c) => ({ choices: [{ delta: { content: c } }] })),
    { choices: [{ delta: {}, finish_reason: 'stop' }] },
  ];
}

function sse(events: ChatCompletionChunkLike[]): Uint8Array {
  return new TextEncoder().encode(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n');
}

/** A pull-based SSE body served in `size`-byte pieces (cutting UTF-8 sequences), counting pulls. */
function body(bytes: Uint8Array, size: number): { stream: ReadableStream<Uint8Array>; state: { pulled: number; cancelled: boolean; total: number } } {
  const state = { pulled: 0, cancelled: false, total: Math.ceil(bytes.length / size) };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const at = state.pulled * size;
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      state.pulled++;
      controller.enqueue(bytes.slice(at, at + size));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

function stopperFor(name: string, preset: ExtractPreset = 'last-number') {
  return createStopper(toExportedPolicy(name, { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset }, match: { preset: 'numeric' } }));
}

describe('runtime/streams', () => {
  it('stopStream: SSE bytes cut inside UTF-8 characters, reasoning + content → same decision as the sweep, request aborted', async () => {
    const [want] = sweepOutcomes(TRACE, [{ kind: 'marker', grace: 1, markers: ['The answer is', '####', '\\boxed{', '</think>', '"answer":'] }], 'last-number');
    // From one byte per read to whole events: the decision must not depend on the network's chunking.
    for (const size of [1, 3, 7, 64]) {
      const { stream, state } = body(sse(chunks()), size);
      const abort = new AbortController();
      const result = await stopStream(new Response(stream, { headers: { 'content-type': 'text/event-stream' } }), stopperFor('marker:1'), { abort });
      assert.equal(result.decision.stop, true, `size ${size}`);
      assert.equal(result.decision.tokens, want.stopToken);
      assert.equal(result.decision.answer ?? null, want.answer);
      assert.equal(result.decision.answerKind, want.answerKind);
      assert.ok(TRACE.startsWith(result.text) && result.text.includes('</think>'), result.text);
      assert.equal(result.aborted, true);
      assert.ok(abort.signal.aborted, 'the request was aborted');
      assert.ok(state.cancelled, 'the body was cancelled');
      // The point of stopping: the rest of the body is never read.
      assert.ok(state.pulled < state.total, `read ${state.pulled} of ${state.total} pieces`);
    }
  });

  it('stopStream: a stream that ends by itself gives the whole-trace decision and the finish reason', async () => {
    const [want] = sweepOutcomes(TRACE, [{ kind: 'full' }], 'last-number');
    const { stream } = body(sse(chunks()), 5);
    const result = await stopStream(new Response(stream, { headers: { 'content-type': 'text/event-stream' } }), stopperFor('full'));
    // Under `full` the last number wins, here the 12 after the answer.
    assert.deepEqual(result.decision, { stop: false, reason: want.reason, tokens: want.stopToken, answer: '12', answerKind: 'final' });
    assert.equal(result.text, TRACE);
    assert.equal(result.aborted, false);
    assert.equal(result.finishReason, 'stop');
  });

  it('stopStream: reasoning that never reaches content still closes the think block', async () => {
    const events = REASONING.map((r) => ({ choices: [{ delta: { reasoning: r } }] }));
    const result = await stopStream(new Response(body(sse(events), 9).stream), stopperFor('full', 'after-think'));
    assert.equal(result.text, `<think>${REASONING.join('')}</think>`);
    assert.equal(result.decision.answer, undefined);
  });

  it('stopStream: a JSON (non-streamed) response and HTTP errors', async () => {
    const json = { choices: [{ message: { content: 'so it is 42 in the end' }, finish_reason: 'stop' }] };
    const ok = await stopStream(new Response(JSON.stringify(json), { headers: { 'content-type': 'application/json' } }), stopperFor('full'));
    assert.equal(ok.decision.answer, '42');
    await assert.rejects(stopStream(new Response('{"error":"bad key"}', { status: 401 }), stopperFor('full')), /HTTP 401: \{"error":"bad key"\}/);
    // Some servers report failures mid-stream as an `error` event with status 200.
    const broken = new Response(new TextEncoder().encode('data: {"error":{"message":"overloaded"}}\n\n'));
    await assert.rejects(stopStream(broken, stopperFor('full')), /the server sent an error: \{"message":"overloaded"\}/);
  });

  it('stopOpenAIStream: stops iterating the SDK stream and aborts both controllers', async () => {
    const [want] = sweepOutcomes(TRACE, [{ kind: 'cutoff', tokens: 20 }], 'last-number');
    let yielded = 0;
    let closed = false;
    const sdkController = new AbortController();
    async function* gen(): AsyncGenerator<ChatCompletionChunkLike> {
      try {
        for (const c of chunks()) {
          yielded++;
          yield c;
        }
      } finally {
        closed = true;
      }
    }
    // The OpenAI SDK's Stream: an async iterable with its own AbortController.
    const stream = Object.assign(gen(), { controller: sdkController });
    const mine = new AbortController();
    const result = await stopOpenAIStream(stream, stopperFor('cutoff:20'), mine);
    assert.equal(result.decision.stop, true);
    assert.equal(result.decision.tokens, 20);
    assert.equal(result.decision.answer ?? null, want.answer);
    assert.ok(mine.signal.aborted && sdkController.signal.aborted);
    assert.ok(closed, 'the iterator was closed');
    assert.ok(yielded < chunks().length, `consumed ${yielded} chunks`);
  });

  describe('against a real HTTP server on 127.0.0.1', () => {
    let server: Server;
    let closedEarly: Promise<boolean>;
    let sent = 0;
    const TOTAL = 400;

    before(async () => {
      let resolveClosed: (v: boolean) => void = () => undefined;
      closedEarly = new Promise((r) => (resolveClosed = r));
      server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let done = false;
        req.on('close', () => resolveClosed(!done));
        const tick = (): void => {
          if (res.destroyed) return;
          if (sent >= TOTAL) {
            done = true;
            res.end('data: [DONE]\n\n');
            return;
          }
          sent++;
          res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: `step ${sent} adds 1. ` } }] })}\n\n`);
          // Slow enough that the client can leave long before the 400th event.
          setTimeout(tick, 2);
        };
        tick();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });

    after(async () => {
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('fetch + stopStream aborts the request once cutoff:64 is certain; the server sees the client leave', async () => {
      const abort = new AbortController();
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: '{}', signal: abort.signal });
      const result = await stopStream(response, stopperFor('cutoff:64'), { abort });
      assert.equal(result.decision.stop, true);
      assert.equal(result.decision.tokens, 64);
      const whole = Array.from({ length: TOTAL }, (_, i) => `step ${i + 1} adds 1. `).join('');
      const [want] = sweepOutcomes(whole, [{ kind: 'cutoff', tokens: 64 }], 'last-number');
      assert.equal(result.decision.answer ?? null, want.answer);
      assert.equal(result.decision.answerKind, want.answerKind);
      assert.ok(whole.startsWith(result.text));
      // The server, not just the client, must see the request end: that is what saves the tokens.
      assert.equal(await closedEarly, true, 'connection closed before the server finished');
      assert.ok(sent < TOTAL, `server sent ${sent} of ${TOTAL} events`);
    });
  });
});

describe('runtime/streams: cut-off streams', () => {
  const events = [{ choices: [{ delta: { content: 'The answer is ' } }] }, { choices: [{ delta: { content: '7' } }] }];
  const response = (text: string): Response => new Response(text, { headers: { 'content-type': 'text/event-stream' } });
  const lines = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');

  it('reports a stream without finish_reason or [DONE] as truncated, and a finished one as not', async () => {
    const cut = await stopStream(response(lines), stopperFor('full'));
    assert.equal(cut.truncated, true);
    assert.equal(cut.aborted, false);
    assert.equal(cut.text, 'The answer is 7');
    const whole = await stopStream(response(`${lines}data: [DONE]\n\n`), stopperFor('full'));
    assert.equal(whole.truncated, false);
    const sdk = await stopOpenAIStream((async function* () {
      yield* events;
    })(), stopperFor('full'));
    assert.equal(sdk.truncated, true);
  });

  it('drops an unterminated last event instead of throwing "malformed stream event"', async () => {
    const result = await stopStream(response(`${lines}data: {"choices":[{"del`), stopperFor('full'));
    assert.equal(result.text, 'The answer is 7');
    assert.equal(result.truncated, true);
  });
});
