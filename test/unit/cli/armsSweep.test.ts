import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { loadSharedRows } from '../../support/openaiMockServer';
import { useLoopbackRun } from './runCli';

const N = 10;
const LOW_CAP = 300;

interface ArmRowJson {
  policy: string;
  meanTokens: number;
  savings: number;
  em: number;
  arm?: string;
  noEffect?: true;
  obeyed?: { noEffect: boolean; meanDiff: number; reasoningP50?: number; reason: string };
}

/**
 * Done-when of issue 14: a loopback reasoning server that honours `reasoning_effort` (low caps the
 * generation at LOW_CAP tokens, so the thinking is shorter) and ignores a field it does not know.
 */
describe('cli run --arms → sweep: arms as rows, the ignored one flagged', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
  const live = useLoopbackRun({ prefix: 'pb-arms-sweep-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 64, effortCaps: { low: LOW_CAP } }] });
  before(() => {
    // `reasoning: { effort }` is the Responses API's shape; a Chat Completions server ignores it.
    writeFileSync(join(live.dir, 'arms.json'), JSON.stringify([{ name: 'low', body: { reasoning_effort: 'low' } }, { name: 'wrong-field', body: { reasoning: { effort: 'low' } } }]));
  });

  it('sweeps low with its real savings and flags wrong-field as noEffect with a warning', async () => {
    const run = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, '--model', 'mock', '--max-tokens', '100000', '--arms', 'arms.json', '--no-cache', '--out', 'traces.jsonl']);
    assert.equal(run.code, 0, run.err);
    const chats = live.server.requests.filter((q) => q.path === '/v1/chat/completions');
    assert.equal(chats.length, 3 * N);
    assert.equal(chats.filter((q) => q.body.reasoning_effort === 'low').length, N);

    const sweep = await live.cli(['sweep', 'traces.jsonl', '--policies', 'cutoff:512', '--extract', 'boxed', '--format', 'json']);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as { rows: ArmRowJson[]; warnings: string[] };
    assert.deepEqual(json.rows.map((r) => r.policy), ['full', 'cutoff:512', 'arm:low', 'arm:wrong-field']);
    const [full, , low, wrong] = json.rows;

    // Expected tokens, computed from the recorded rows: the baseline is the whole trace; low keeps
    // the first LOW_CAP streamed tokens (all thinking), written back as a <think> block.
    const count = (text: string): number => tokenizeWithOffsets(tok, text).count;
    const fullCounts = rows.map((r) => count(r.output));
    const lowCounts = rows.map((r) => {
      const think = /^<think>([\s\S]*?)<\/think>/.exec(r.output);
      assert.ok(think, `${r.id} has a thinking block`);
      const t = tokenizeWithOffsets(tok, think[1]);
      assert.ok(t.count > LOW_CAP, `${r.id} thinks longer than the cap`);
      return count(`<think>${think[1].slice(0, t.ends[LOW_CAP - 1])}</think>`);
    });
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(full.meanTokens - avg(fullCounts)) < 1e-9);
    assert.ok(Math.abs(low.meanTokens - avg(lowCounts)) < 1e-9, `${low.meanTokens} vs ${avg(lowCounts)}`);
    assert.ok(Math.abs(low.savings - (1 - avg(lowCounts) / avg(fullCounts))) < 1e-9);
    assert.ok(low.savings > 0.5, `low saves ${low.savings}`);
    assert.equal(low.arm, 'low');
    assert.equal(low.noEffect, undefined);
    assert.equal(low.obeyed?.noEffect, false);
    assert.equal(low.obeyed?.reasoningP50, LOW_CAP);

    assert.equal(wrong.arm, 'wrong-field');
    assert.equal(wrong.savings, 0);
    assert.equal(wrong.meanTokens, full.meanTokens);
    assert.equal(wrong.em, full.em);
    assert.equal(wrong.noEffect, true);
    assert.equal(wrong.obeyed?.meanDiff, 0);
    assert.match(json.warnings.join('\n'), /arm wrong-field looks ignored: its tokens differ from the baseline's by \+0\.0 tokens per case/);
    assert.doesNotMatch(json.warnings.join('\n'), /arm low looks ignored/);
    assert.match(sweep.err, /warning: arm wrong-field looks ignored/);

    const table = await live.cli(['sweep', 'traces.jsonl', '--policies', 'cutoff:512', '--extract', 'boxed']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /arm:low/);
    assert.match(table.out, /arm wrong-field looks ignored/);
    const written = readFileSync(join(live.dir, 'traces.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { arms: Record<string, { finishReason: string }> });
    assert.ok(written.every((w) => w.arms.low.finishReason === 'length' && w.arms['wrong-field'].finishReason === 'stop'));
  });
});
