// Thinking budgets end to end: `run --budgets` records a forced answer per budget below each trace's
// thinking, and `sweep --policies budget:K` replays exactly the answer the server gave at K.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { thinkingOf } from '../../../src/core/forcedAnswer';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { loadSharedRows, mockProbeAnswer } from '../../support/openaiMockServer';
import { useLoopbackRun } from './runCli';

// 8 R1-distill traces (2,482 to 24,438 characters): some think past 4096 tokens, some stop before.
const N = 8;
// Budgets spanning those lengths, so each is below some traces' thinking and above others'.
const BUDGETS = [512, 2048, 4096];

interface SweepJson {
  rows: { policy: string; meanTokens: number }[];
  warnings: string[];
  caseResults: { id: string; policies: Record<string, { answer: string | null; stopToken: number; reason: string }> }[];
}

describe('cli run --budgets + sweep budget:K', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
  const live = useLoopbackRun({ prefix: 'pb-budgets-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 64 }], runDirect: true });

  const run = (): Promise<{ code: number; out: string; err: string }> =>
    live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--out', 'traces.jsonl', '--max-tokens', '100000', '--budgets', BUDGETS.join(','), '--cache', 'cache']);

  it('makes one generation per case plus one short call per budget below the thinking, and the sweep replays the answers the server gave at K', async () => {
    const r = await run();
    assert.equal(r.code, 0, r.err);
    const chats = live.server.requests.filter((q) => q.path === '/v1/chat/completions');
    const forcedCalls = live.server.requests.filter((q) => q.path === '/v1/completions');
    assert.equal(chats.length, N);
    const thinking = rows.map((row) => thinkingOf(row.output).thinking);
    const counts = thinking.map((t) => tokenizer.count(t));
    const expectedCalls = counts.reduce((n, c) => n + BUDGETS.filter((k) => k < c).length, 0);
    assert.equal(forcedCalls.length, expectedCalls);
    assert.ok(expectedCalls > N && expectedCalls < N * BUDGETS.length, `some cases think less than ${BUDGETS[BUDGETS.length - 1]} tokens (${counts.join(', ')})`);
    for (const q of forcedCalls) {
      assert.match(String(q.body.prompt), /\n<\/think>\n\n\*\*Final Answer\*\*: \\boxed\{$/);
      // The forced-answer call's default max_tokens: enough for the boxed answer after the cue.
      assert.equal(q.body.max_tokens, 32);
    }

    const written = readFileSync(join(live.dir, 'traces.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; output: string; forced: { atToken: number; text: string; tokens: number }[] });
    assert.deepEqual(written.map((w) => w.output), rows.map((row) => row.output), 'reasoning_content became the <think> block');

    const sweep = await live.cli(['sweep', 'traces.jsonl', '--policies', BUDGETS.map((k) => `budget:${k}`).join(','), '--extract', 'boxed', '--format', 'json', '--cases']);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as SweepJson;
    assert.deepEqual(json.rows.map((row) => row.policy), ['full', ...BUDGETS.map((k) => `budget:${k}`)]);
    for (let i = 0; i < N; i++) {
      const c = json.caseResults.find((x) => x.id === rows[i].id);
      assert.ok(c);
      const tokens = tokenizeWithOffsets(tokenizer, thinking[i]);
      for (const k of BUDGETS) {
        const got: { answer: string | null; stopToken: number } = c.policies[`budget:${k}`];
        if (counts[i] <= k) {
          assert.deepEqual({ answer: got.answer, stopToken: got.stopToken }, { answer: c.policies.full.answer, stopToken: c.policies.full.stopToken }, `${rows[i].id} at ${k}: own answer`);
          continue;
        }
        // What the server answers for the prompt + the first K thinking tokens.
        const served = mockProbeAnswer(rows[i], `<think>${cutText(thinking[i], tokens, k)}`);
        const rec = written[i].forced.find((f) => f.atToken === k);
        assert.ok(rec, `${rows[i].id}: forced answer at ${k}`);
        assert.equal(got.answer, served, `${rows[i].id} at ${k}`);
        // The budget's K thinking tokens plus the tokens the forced answer took.
        assert.equal(got.stopToken, k + rec.tokens);
      }
    }
  });

  it('sends nothing again on a second run: generations and forced answers come from the cache', async () => {
    live.server.resetLog();
    const r = await run();
    assert.equal(r.code, 0, r.err);
    assert.equal(live.server.requests.length, 0);
  });

  it('leaves budget policies out, with a warning, when forced answers were not recorded', async () => {
    const plain = readFileSync(join(live.dir, 'traces.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const { forced: _drop, ...row } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(row);
    });
    writeFileSync(join(live.dir, 'plain.jsonl'), `${plain.join('\n')}\n`);
    const sweep = await live.cli(['sweep', 'plain.jsonl', '--policies', 'budget:512', '--extract', 'boxed', '--format', 'json']);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as SweepJson;
    assert.deepEqual(json.rows.map((row) => row.policy), ['full']);
    assert.match(json.warnings.join('\n'), /budget policies \(budget:512\) need a forced answer recorded at K/);
  });
});
