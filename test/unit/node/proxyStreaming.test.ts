// A streaming client of the proxy sees the thinking while the upstream is still generating: a loopback upstream sends
// its first reasoning deltas and then waits until the client (the openai SDK) has received thinking from the proxy.
// Only then does the generation go on past K tokens, the proxy cut it and ask for the forced answer.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { thinkingOf } from '../../../src/core/forcedAnswer';
import { toExportedPolicy } from '../../../src/core/policyExport';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { startProxy, type ProxyServer } from '../../../src/node/proxyServer';
import { loadSharedRows } from '../../support/openaiMockServer';

const K = 256;
/** Characters per upstream delta, and the deltas sent before the upstream waits (about 110 tokens, fewer than K). */
const PIECE = 40;
const HELD = 12;
const SETTINGS = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'numeric' }, model: 'held' } as const;

type Field = 'reasoning_content' | 'reasoning';

/** An upstream that streams `thinking` in `field` deltas, waiting after the first {@link HELD} until released; `/completions` answers `391}`. */
class HeldUpstream {
  private server: Server | null = null;
  private open: () => void = () => undefined;
  released = false;
  chatDone = false;
  prompts: string[] = [];
  url = '';

  constructor(
    private readonly thinking: string,
    private field: Field,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Arms the next generation: held again, its thinking in `field`. */
  reset(field: Field): void {
    this.field = field;
    this.released = false;
    this.chatDone = false;
    this.prompts = [];
  }

  release(): void {
    this.released = true;
    this.open();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const c of req) body += String(c);
    if (req.url === '/v1/completions') {
      this.prompts.push((JSON.parse(body) as { prompt: string }).prompt);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, text: '391}', finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
      return;
    }
    const held = this.released ? Promise.resolve() : new Promise<void>((done) => (this.open = done));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (delta: Record<string, unknown>, finish: string | null = null): void => {
      res.write(`data: ${JSON.stringify({ id: 'up', object: 'chat.completion.chunk', created: 0, model: 'held', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    };
    send({ role: 'assistant', content: '' });
    for (let i = 0, n = 0; i < this.thinking.length && !res.destroyed; i += PIECE, n++) {
      if (n === HELD) await held;
      send({ [this.field]: this.thinking.slice(i, i + PIECE) });
      await new Promise((r) => setImmediate(r));
    }
    if (res.destroyed) return;
    send({ content: 'So the answer is \\boxed{391}.' });
    send({}, 'stop');
    res.end('data: [DONE]\n\n');
    this.chatDone = true;
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }
}

describe('node/proxyServer: streamed thinking is forwarded as it settles, the answer after the decision', function () {
  this.timeout(60_000);
  const thinking = thinkingOf(loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', 1)[0].output).thinking;
  const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
  const kept = cutText(thinking, tokenizeWithOffsets(tokenizer, thinking), K);
  const upstream = new HeldUpstream(thinking, 'reasoning_content');
  let proxy: ProxyServer;
  let client: OpenAI;

  before(async () => {
    assert.ok(tokenizer.count(thinking.slice(0, PIECE * HELD)) < K, 'the held part is shorter than the budget');
    await upstream.start();
    proxy = await startProxy({ upstream: upstream.url, policy: toExportedPolicy(`budget:${K}`, SETTINGS) });
    client = new OpenAI({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await proxy.close();
    await upstream.stop();
  });

  for (const field of ['reasoning_content', 'reasoning'] as const) {
    it(`${field} upstream: thinking chunks arrive while the upstream waits, then the forced answer, in the upstream's field`, async () => {
      upstream.reset(field);
      const stream = await client.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'What is 17 × 23?' }], stream: true });
      const order: string[] = [];
      const reasoning: string[] = [];
      let content = '';
      let whileHeld = '';
      let info: { stopped: boolean; tokens: number; forcedTokens: number } | undefined;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta as Record<string, unknown>;
        assert.equal(delta[field === 'reasoning' ? 'reasoning_content' : 'reasoning'], undefined, 'the thinking comes in the upstream field only');
        if (delta.role) order.push('role');
        if (typeof delta[field] === 'string' && delta[field] !== '') {
          order.push('thinking');
          reasoning.push(delta[field] as string);
          if (!upstream.released) {
            // The proxy has not decided (nor could it): no forced-answer call yet, the upstream still streaming.
            whileHeld += delta[field] as string;
            assert.equal(upstream.prompts.length, 0);
            upstream.release();
          }
        }
        if (choice.delta.content) {
          order.push('content');
          content += choice.delta.content;
        }
        if (choice.finish_reason) {
          order.push(`finish:${choice.finish_reason}`);
          info = (chunk as unknown as { prompt_budget: typeof info }).prompt_budget;
        }
      }
      assert.ok(whileHeld.length > 0 && thinking.slice(0, PIECE * HELD).startsWith(whileHeld), `thinking received while the upstream waited: ${whileHeld.length} chars`);
      // role, thinking chunks (more than one: streamed, not sent at once), the answer, the finish.
      const thinkingChunks = order.filter((o) => o === 'thinking').length;
      assert.ok(thinkingChunks > 1, `${thinkingChunks} thinking chunks`);
      assert.deepEqual(order, ['role', ...Array<string>(thinkingChunks).fill('thinking'), 'content', 'finish:stop']);
      assert.equal(reasoning.join(''), kept, 'the thinking sent is exactly the kept first K tokens');
      assert.equal(content, '**Final Answer**: \\boxed{391}');
      assert.deepEqual(info && [info.stopped, info.tokens], [true, K + 2]);
      assert.equal(upstream.prompts.length, 1);
      assert.ok(upstream.prompts[0].includes(`${kept}\n</think>\n\n**Final Answer**: \\boxed{`), 'the forced answer continues the kept thinking');
      assert.equal(upstream.chatDone, false, 'the generation was cut, not run to the end');
    });
  }

  it('thinking within the budget: all of it streamed, then the model\'s own answer once the stream ended', async () => {
    const roomy = await startProxy({ upstream: upstream.url, policy: toExportedPolicy('budget:100000', SETTINGS) });
    try {
      upstream.reset('reasoning_content');
      upstream.release();
      const stream = await new OpenAI({ baseURL: roomy.url, apiKey: 'unused', maxRetries: 0 }).chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'What is 17 × 23?' }], stream: true });
      const order: string[] = [];
      let reasoning = '';
      let content = '';
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as Record<string, string | undefined> | undefined;
        if (delta?.reasoning_content) order.push('thinking');
        if (delta?.content) order.push('content');
        reasoning += delta?.reasoning_content ?? '';
        content += delta?.content ?? '';
      }
      const n = order.filter((o) => o === 'thinking').length;
      assert.ok(n > HELD, `${n} thinking chunks`);
      assert.deepEqual(order, [...Array<string>(n).fill('thinking'), 'content']);
      assert.equal(reasoning, thinking);
      assert.equal(content, 'So the answer is \\boxed{391}.');
      assert.equal(upstream.chatDone, true);
      assert.equal(upstream.prompts.length, 0, 'no forced answer');
    } finally {
      await roomy.close();
    }
  });

  it('non-streamed: the kept thinking in the upstream field, the answer as content', async () => {
    upstream.reset('reasoning');
    upstream.release();
    const r = await client.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'What is 17 × 23?' }] });
    const message = r.choices[0].message as unknown as Record<string, unknown>;
    assert.deepEqual([message.reasoning, message.reasoning_content, message.content], [kept, undefined, '**Final Answer**: \\boxed{391}']);
  });
});
