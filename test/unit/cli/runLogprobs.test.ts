// `run --logprobs` against a loopback server: token log-probabilities recorded with probes and
// forced answers, replayed by probe-confident policies (DEER-style); a server that sends none gets a
// warning, not a crash.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { loadSharedRows, mockLogprob, mockProbeAnswer } from '../../support/openaiMockServer';
import { useLoopbackRun } from './runCli';

const N = 6;
const EVERY = 512;

interface Written {
  id: string;
  output: string;
  probes: { atToken: number; text: string; tokens: number; logprobs?: number[] }[];
  forced?: { atToken: number; text: string; tokens: number; logprobs?: number[] }[];
}
interface SweepJson {
  rows: { policy: string; meanProbeTokens?: number }[];
  warnings: string[];
  caseResults: { id: string; policies: Record<string, { answer: string | null; stopToken: number; reason: string }> }[];
}

describe('cli run --logprobs + sweep probe-confident', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
  // After the answer the first mock goes on (" Done."): those tokens are not the answer's and are not kept.
  // The second sends no logprobs.
  const live = useLoopbackRun({
    prefix: 'pb-logprobs-',
    rows,
    servers: [
      { reasoningField: 'reasoning_content', tokensPerChunk: 64, logprobs: true, trailer: ' Done.' },
      { reasoningField: 'reasoning_content', tokensPerChunk: 64 },
    ],
    runDirect: true,
  });

  const run = (baseUrl: string, out: string): Promise<{ code: number; out: string; err: string }> =>
    live.cli(['run', 'questions.jsonl', '--base-url', baseUrl, '--model', 'mock', '--out', out, '--max-tokens', '100000', '--probe-every', String(EVERY), '--budgets', '1024', '--logprobs', '--no-cache']);
  const read = (file: string): Written[] => readFileSync(join(live.dir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Written);

  it('asks for logprobs on every probe and forced answer and records them; the sweep stops where the answer became confident', async () => {
    const r = await run(live.server.baseUrl, 'traces.jsonl');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /log-probabilities/);
    const calls = live.server.requests.filter((q) => q.path === '/v1/completions');
    assert.ok(calls.length > N);
    for (const q of calls) assert.equal(q.body.logprobs, 1);
    for (const q of live.server.requests.filter((x) => x.path === '/v1/chat/completions')) assert.equal(q.body.logprobs, undefined, 'the generation itself is not asked for logprobs');

    const written = read('traces.jsonl');
    const firstConfident: (number | null)[] = [];
    written.forEach((w, i) => {
      const t = tokenizeWithOffsets(tokenizer, w.output);
      let first: number | null = null;
      for (const p of w.probes) {
        const prefix = cutText(w.output, t, p.atToken);
        const answerTokens = tokenizer.count(`${mockProbeAnswer(rows[i], prefix)}}`);
        assert.equal(p.tokens, tokenizer.count(`${mockProbeAnswer(rows[i], prefix)}} Done.`));
        assert.deepEqual(p.logprobs, Array.from({ length: answerTokens }, () => mockLogprob(rows[i], prefix)), `${w.id} probe at ${p.atToken}`);
        if (first === null && mockProbeAnswer(rows[i], prefix) === rows[i].answer.trim()) first = p.atToken;
      }
      firstConfident.push(first);
      for (const f of w.forced ?? []) assert.ok(f.logprobs && f.logprobs.length > 0 && f.logprobs.length < f.tokens, `${w.id} forced answer at ${f.atToken} has its answer's logprobs`);
    });
    assert.ok(written.some((w) => (w.forced ?? []).length > 0));
    assert.ok(firstConfident.some((t) => t !== null) && firstConfident.some((t) => t === null), `some cases reach the gold answer in a probe, some never: ${firstConfident.join(', ')}`);

    const sweep = await live.cli(['sweep', 'traces.jsonl', '--policies', `probe-confident:${EVERY}@0.95,probe-confident:${EVERY}@0.99`, '--extract', 'boxed', '--format', 'json', '--cases']);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as SweepJson;
    assert.deepEqual(json.rows.map((x) => x.policy), ['full', `probe-confident:${EVERY}@0.95`, `probe-confident:${EVERY}@0.99`]);
    for (let i = 0; i < N; i++) {
      const c = json.caseResults.find((x) => x.id === rows[i].id);
      assert.ok(c);
      const at95 = c.policies[`probe-confident:${EVERY}@0.95`];
      // 0.98 per token once the prefix holds the gold answer, else 0.6: the first gold probe stops at 0.95, nothing at 0.99.
      if (firstConfident[i] === null) assert.equal(at95.stopToken, c.policies.full.stopToken, rows[i].id);
      else assert.deepEqual([at95.stopToken, at95.answer], [firstConfident[i], rows[i].answer.trim()], rows[i].id);
      assert.equal(c.policies[`probe-confident:${EVERY}@0.99`].stopToken, c.policies.full.stopToken);
    }
    assert.ok((json.rows[1].meanProbeTokens ?? 0) > 0);

    // Left to its defaults, the sweep adds the confidence thresholds since the probes carry logprobs.
    const defaults = await live.cli(['sweep', 'traces.jsonl', '--extract', 'boxed', '--format', 'json']);
    assert.equal(defaults.code, 0, defaults.err);
    const names = (JSON.parse(defaults.out) as SweepJson).rows.map((x) => x.policy);
    assert.deepEqual(names.filter((n) => n.startsWith('probe-confident:')), [`probe-confident:${EVERY}@0.9`, `probe-confident:${EVERY}@0.95`, `probe-confident:${EVERY}@0.99`]);
  });

  it('warns, and records no logprobs, when the server sends none; the sweep leaves the confidence policies out with a reason', async () => {
    const r = await run(live.servers[1].baseUrl, 'silent.jsonl');
    assert.equal(r.code, 0, r.err);
    const calls = live.servers[1].requests.filter((q) => q.path === '/v1/completions').length;
    assert.ok(r.err.includes(`run: warning: the server returned no token log-probabilities for ${calls} probe/forced-answer call(s)`), r.err);
    const written = read('silent.jsonl');
    assert.ok(written.every((w) => w.probes.every((p) => p.logprobs === undefined)));
    const sweep = await live.cli(['sweep', 'silent.jsonl', '--policies', `probe-confident:${EVERY}@0.95,probe:${EVERY}x2`, '--extract', 'boxed', '--format', 'json']);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as SweepJson;
    assert.deepEqual(json.rows.map((x) => x.policy), ['full', `probe:${EVERY}x2`]);
    assert.match(json.warnings.join('\n'), /confidence policies \(probe-confident:512@0\.95\) need probes recorded with token log-probabilities \(run --logprobs against a server that returns them\); 6 of 6 case\(s\) have none/);
  });
});
