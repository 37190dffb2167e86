// `run --budgets --force-mode chat-continuation` against a loopback server that continues the last
// assistant message (as vLLM does with continue_final_message): the forced answers equal what the
// server answered for the first K thinking tokens, through /chat/completions only.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { thinkingOf } from '../../../src/core/forcedAnswer';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { prepareLiveRun } from '../../../src/core/live/prepareLiveRun';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { loadSharedRows, mockLogprob, mockProbeAnswer } from '../../support/openaiMockServer';
import { useLoopbackRun } from './runCli';

const N = 6;
const BUDGETS = [512, 2048];

describe('cli run --force-mode chat-continuation', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
  const live = useLoopbackRun({ prefix: 'pb-forcemode-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 64, logprobs: true }], runDirect: true });

  it('prefills the assistant message with the thinking, its close and the cue; the sweep replays the answers the server continued with', async () => {
    const r = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'traces.jsonl', '--max-tokens', '100000', '--budgets', BUDGETS.join(','), '--force-mode', 'chat-continuation', '--logprobs', '--no-cache']);
    assert.equal(r.code, 0, r.err);
    assert.equal(live.server.requests.filter((q) => q.path === '/v1/completions').length, 0, 'no /completions call');
    const continued = live.server.requests.filter((q) => q.body.continue_final_message === true);
    const thinking = rows.map((row) => thinkingOf(row.output).thinking);
    const counts = thinking.map((t) => tokenizer.count(t));
    assert.equal(continued.length, counts.reduce((n, c) => n + BUDGETS.filter((k) => k < c).length, 0));
    assert.ok(continued.length > 0);
    for (const q of continued) {
      const messages = q.body.messages as { role: string; content: string }[];
      assert.deepEqual([q.body.add_generation_prompt, q.body.stream, q.body.max_tokens, q.body.logprobs, q.body.top_logprobs], [false, false, 32, true, 1]);
      assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant']);
      assert.match(messages[1].content, /^<think>[\s\S]+\n<\/think>\n\n\*\*Final Answer\*\*: \\boxed\{$/);
    }

    const written = readFileSync(join(live.dir, 'traces.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; forced?: { atToken: number; text: string; tokens: number; logprobs?: number[] }[] });
    const sweep = await live.cli(['sweep', 'traces.jsonl', '--policies', BUDGETS.map((k) => `budget:${k}`).join(','), '--extract', 'boxed', '--format', 'json', '--cases']);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as { caseResults: { id: string; policies: Record<string, { answer: string | null; stopToken: number }> }[] };
    for (let i = 0; i < N; i++) {
      const c = json.caseResults.find((x) => x.id === rows[i].id);
      assert.ok(c);
      const tokens = tokenizeWithOffsets(tokenizer, thinking[i]);
      for (const k of BUDGETS.filter((b) => b < counts[i])) {
        const prefix = `<think>${cutText(thinking[i], tokens, k)}`;
        const rec = written[i].forced?.find((f) => f.atToken === k);
        assert.ok(rec, `${rows[i].id}: forced answer at ${k}`);
        assert.equal(c.policies[`budget:${k}`].answer, mockProbeAnswer(rows[i], prefix), `${rows[i].id} at ${k}`);
        assert.equal(c.policies[`budget:${k}`].stopToken, k + rec.tokens);
        // The chat shape of logprobs (content[].logprob) is recorded like the completions one.
        assert.deepEqual(rec.logprobs, Array.from({ length: rec.tokens }, () => mockLogprob(rows[i], prefix)));
      }
    }
  });

  it('reads live.forceMode, refuses an unknown mode and a mode without budgets', async () => {
    const cases = [{ id: '1', question: 'Q?', answers: ['1'], tags: [], line: 1 }];
    const { config } = parseConfig('{"live": {"baseUrl": "http://127.0.0.1:1/v1", "model": "m", "budgets": [8], "forceMode": "chat-continuation"}}');
    assert.equal(prepareLiveRun({ config, cases, rows: [undefined] }).plan?.options.force?.mode, 'chat-continuation');
    assert.equal(prepareLiveRun({ config, cases, rows: [undefined], overrides: { forceMode: 'completions' } }).plan?.options.force?.mode, undefined);
    const bad = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'x.jsonl', '--budgets', '8', '--force-mode', 'prefill'], { direct: false });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--force-mode prefill: expected completions or chat-continuation/);
    const lonely = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'x.jsonl', '--force-mode', 'chat-continuation'], { direct: false });
    assert.equal(lonely.code, 2);
    assert.match(lonely.err, /answerCue, forceTokens and forceMode need budgets/);
  });

  /** The continuation requests of the last run: chat requests that end in an assistant message. */
  const continuations = () => live.server.requests.filter((q) => q.path === '/v1/chat/completions' && (q.body.messages as { role: string }[]).at(-1)?.role === 'assistant');

  it('sends live.extraBody with every continuation under its own fields, and with assistantPrefix "prefix": true instead of vLLM\'s fields', async () => {
    const extraBody = { chat_template_kwargs: { enable_thinking: true }, top_k: 20, temperature: 0.6 };
    writeFileSync(join(live.dir, 'prefix.json'), JSON.stringify({ live: { budgets: [512], forceMode: 'chat-continuation', assistantPrefix: true, extraBody } }));
    live.server.resetLog();
    const r = await live.cli(['run', 'questions.jsonl', '--config', 'prefix.json', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'prefix.jsonl', '--max-tokens', '100000', '--no-cache']);
    assert.equal(r.code, 0, r.err);
    const generations = live.server.requests.filter((q) => q.path === '/v1/chat/completions' && q.body.stream === true);
    assert.equal(generations.length, N);
    for (const q of generations) assert.deepEqual([q.body.temperature, q.body.top_k, q.body.chat_template_kwargs], [0.6, 20, { enable_thinking: true }]);
    const continued = continuations();
    const counts = rows.map((row) => tokenizer.count(thinkingOf(row.output).thinking));
    assert.equal(continued.length, counts.filter((c) => c > 512).length);
    for (const q of continued) {
      const last = (q.body.messages as { role: string; content: string; prefix?: boolean }[]).at(-1);
      assert.equal(last?.prefix, true);
      assert.match(last?.content ?? '', /^<think>[\s\S]+\n<\/think>\n\n\*\*Final Answer\*\*: \\boxed\{$/);
      assert.deepEqual(Object.keys(q.body).sort(), ['chat_template_kwargs', 'max_tokens', 'messages', 'model', 'stream', 'temperature', 'top_k']);
      // The extra fields ride along; the forced answer's own temperature (0) wins over theirs.
      assert.deepEqual([q.body.temperature, q.body.top_k, q.body.chat_template_kwargs, q.body.max_tokens], [0, 20, { enable_thinking: true }, 32]);
    }
    // The server continued the prefixed message: the recorded answers are its answers for those cuts.
    const written = readFileSync(join(live.dir, 'prefix.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { forced?: { atToken: number; text: string }[] });
    const thinking = rows.map((row) => thinkingOf(row.output).thinking);
    for (let i = 0; i < N; i++) {
      if (counts[i] <= 512) continue;
      const prefix = `<think>${cutText(thinking[i], tokenizeWithOffsets(tokenizer, thinking[i]), 512)}`;
      assert.equal(written[i].forced?.[0]?.text, `**Final Answer**: \\boxed{${mockProbeAnswer(rows[i], prefix)}}`);
    }

    // The flags: --extra-body alone keeps vLLM's fields; --assistant-prefix swaps them for the flag.
    for (const withFlag of [false, true]) {
      live.server.resetLog();
      const f = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', `flags-${withFlag}.jsonl`, '--max-tokens', '100000', '--budgets', '512', '--force-mode', 'chat-continuation', '--extra-body', '{"top_k":40}', ...(withFlag ? ['--assistant-prefix'] : []), '--no-cache']);
      assert.equal(f.code, 0, f.err);
      const qs = continuations();
      assert.ok(qs.length > 0);
      for (const q of qs) {
        const last = (q.body.messages as { prefix?: boolean }[]).at(-1);
        assert.deepEqual([q.body.top_k, last?.prefix, q.body.continue_final_message, q.body.add_generation_prompt], withFlag ? [40, true, undefined, undefined] : [40, undefined, true, false]);
      }
    }
  });

  it('assistantPrefix needs chat-continuation: an error from the flag, a warning from the config', async () => {
    const noMode = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'x.jsonl', '--budgets', '8', '--assistant-prefix'], { direct: false });
    assert.equal(noMode.code, 2);
    assert.match(noMode.err, /--assistant-prefix needs forceMode chat-continuation \(it marks the prefilled assistant message\)/);
    const noBudgets = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'x.jsonl', '--assistant-prefix'], { direct: false });
    assert.equal(noBudgets.code, 2);
    assert.match(noBudgets.err, /--assistant-prefix needs budgets and forceMode chat-continuation/);
    const cases = [{ id: '1', question: 'Q?', answers: ['1'], tags: [], line: 1 }];
    const { config } = parseConfig('{"live": {"baseUrl": "http://127.0.0.1:1/v1", "model": "m", "budgets": [8], "assistantPrefix": true}}');
    const prepared = prepareLiveRun({ config, cases, rows: [undefined] });
    assert.equal(prepared.plan?.options.force?.assistantPrefix, undefined);
    assert.deepEqual(prepared.issues.map((i) => [i.severity, i.message]), [['warning', 'assistantPrefix needs forceMode chat-continuation (it marks the prefilled assistant message); ignored']]);
    const on = parseConfig('{"live": {"baseUrl": "http://127.0.0.1:1/v1", "model": "m", "budgets": [8], "forceMode": "chat-continuation", "assistantPrefix": true}}');
    assert.equal(prepareLiveRun({ config: on.config, cases, rows: [undefined] }).plan?.options.force?.assistantPrefix, true);
  });

  it('a server that refuses the continuation fields gets a message naming the mode and the alternative', async () => {
    live.server.setFault((q) => (q.body.continue_final_message === true ? { kind: 'status', status: 400, message: 'Unrecognized request argument supplied: continue_final_message' } : undefined));
    try {
      const r = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'refused.jsonl', '--max-tokens', '100000', '--budgets', '512', '--force-mode', 'chat-continuation', '--no-cache']);
      assert.equal(r.code, 2);
      assert.match(r.err, /answered 400[^\n]*Unrecognized request argument supplied: continue_final_message — chat-continuation forced answers need a server that continues the last assistant message \(vLLM's continue_final_message, or "prefix": true with assistantPrefix for DeepSeek and Mistral\); use forceMode completions otherwise/);
    } finally {
      live.server.setFault(undefined);
    }
  });
});
