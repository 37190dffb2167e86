// One live-run preparation for the CLI and the editor: precedence (overrides, config, defaults), every
// bad value named on its field, and the same requests, cache keys and written rows from both surfaces.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { requestCacheKey } from '../../../../src/core/live/cacheStore';
import { buildChatBody, runLive } from '../../../../src/core/live/liveRun';
import { prepareLiveRun, type LiveRunInputs } from '../../../../src/core/live/prepareLiveRun';
import { rawRowsByLine, tracedJsonl } from '../../../../src/core/live/tracedRows';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { resolveFields } from '../../../../src/core/testSet/resolveFields';
import type { CliIo } from '../../../../src/cli/io';
import { planFromFlags, runCommand } from '../../../../src/cli/runCommand';
import { liveRunOverrides, resolveLiveOptions } from '../../../../src/extension/live/liveSettings';
import { liveSettingDefaults } from '../../extension/live/settingDefaults';
import type { LoadedConfig } from '../../../../src/extension/workspaceConfig';
import { loadSharedRows, startMockServer, type MockServer } from '../../../support/openaiMockServer';

const N = 12;
const rows = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', N);
const questions = rows.map(({ output: _drop, ...row }) => JSON.stringify(row)).join('\n') + '\n';
const parsed = parseTestSet(questions, { fileName: 'q.jsonl' });
const byLine = rawRowsByLine(questions, 'q.jsonl');
const base: LiveRunInputs = { cases: parsed.cases, rows: parsed.cases.map((c) => byLine.get(c.line)) };

/** The editor's settings at the defaults package.json declares. */
const settingDefaults = liveSettingDefaults();

function config(text: string): ReturnType<typeof parseConfig>['config'] {
  const { config: c, issues } = parseConfig(text);
  assert.deepEqual(issues, []);
  return c;
}

describe('core/live/prepareLiveRun', () => {
  it('takes overrides over the config over the defaults', () => {
    const cfg = config('{"encoding": "cl100k_base", "cutoffs": [64], "live": {"baseUrl": "http://10.0.0.5:8000/v1", "model": "qwen", "maxTokens": 256, "extraBody": {"seed": 1, "top_p": 1}}}');
    const { plan, issues } = prepareLiveRun({ ...base, config: cfg, overrides: { maxTokens: 512, extraBody: { seed: 2 } } });
    assert.deepEqual(issues, []);
    assert.ok(plan);
    const o = plan.options;
    // maxTokens 512 from the override beats the config's 256; the encoding comes from the config; the
    // rest are the defaults (4 in flight, 60 s timeout, 5 retries).
    assert.deepEqual([o.baseUrl, o.model, o.maxTokens, o.maxTokensParam, o.temperature, o.encoding, o.engine, o.concurrency, o.timeoutMs, o.retries], ['http://10.0.0.5:8000/v1', 'qwen', 512, 'max_tokens', 0, 'cl100k_base', 'gpt-tokenizer', 4, 60000, 5]);
    // Merged field by field: the override's seed over the config's, the config's top_p kept.
    assert.deepEqual(o.extraBody, { seed: 2, top_p: 1 });
    assert.equal(o.probe, undefined);
    assert.deepEqual(o.prompt, {});
  });

  it('sends no temperature unless an override or the config sets one', () => {
    const { plan } = prepareLiveRun({ ...base, overrides: { baseUrl: 'http://h/v1', model: 'm' } });
    assert.ok(plan);
    assert.equal('temperature' in plan.options, false);
    assert.equal(prepareLiveRun({ ...base, overrides: { baseUrl: 'http://h/v1', model: 'm', temperature: 0.7 } }).plan?.options.temperature, 0.7);
  });

  it('sends a linked prompt with {{fields}} as the user message, one without them as the system message', () => {
    const cfg = config('{"prompt": "p.md", "live": {"model": "m"}}');
    const user = prepareLiveRun({ ...base, config: cfg, linkedPrompt: 'Solve: {{question}}' });
    assert.deepEqual(user.plan?.options.prompt, { template: 'Solve: {{question}}' });
    assert.deepEqual(user.issues, []);
    const system = prepareLiveRun({ ...base, config: cfg, linkedPrompt: 'You are careful.' });
    assert.deepEqual(system.plan?.options.prompt, { system: 'You are careful.' });
    assert.deepEqual(system.issues, [{ severity: 'warning', field: 'template', message: 'p.md has no {{question}} placeholder, so it is sent as the system message and each question as the user message' }]);
    const flag = prepareLiveRun({ ...base, config: cfg, linkedPrompt: 'ignored {{question}}', overrides: { template: 'Q: {{question}}' } });
    assert.deepEqual(flag.plan?.options.prompt, { template: 'Q: {{question}}' });
  });

  it('names the first case that lacks a field the template uses', () => {
    const { plan, issues } = prepareLiveRun({ ...base, overrides: { baseUrl: 'http://h/v1', model: 'm', template: '{{question}} ({{difficulty}})' } });
    assert.equal(plan, undefined);
    assert.deepEqual(issues, [{ severity: 'error', field: 'template', message: `the prompt template uses {{difficulty}}, which case "${parsed.cases[0].id}" (line 1) does not have` }]);
  });

  it('explains every bad value on its field, and gives no plan then', () => {
    const { plan, issues } = prepareLiveRun({
      ...base,
      overrides: { baseUrl: 'ftp://h/v1', maxTokens: 0, maxTokensParam: 'tokens', temperature: -1, encoding: 'p50k', concurrency: 1.5, timeoutMs: 0, retries: -1, probeEvery: 2.5, probeTokens: 0 },
    });
    assert.equal(plan, undefined);
    assert.deepEqual(
      issues.map((i) => [i.field, i.message]),
      [
        ['baseUrl', 'baseUrl ftp://h/v1: expected http:// or https://'],
        ['model', 'model is required'],
        ['maxTokens', 'maxTokens 0: expected an integer ≥ 1'],
        ['maxTokensParam', 'maxTokensParam tokens: expected max_tokens or max_completion_tokens'],
        ['temperature', 'temperature -1: expected a number ≥ 0'],
        ['encoding', 'encoding p50k: expected o200k_base or cl100k_base'],
        ['timeoutMs', 'timeoutMs 0: expected milliseconds > 0'],
        ['concurrency', 'concurrency 1.5: expected an integer ≥ 1'],
        ['retries', 'retries -1: expected an integer ≥ 0'],
        ['probeEvery', 'probeEvery 2.5: expected an integer ≥ 1'],
        ['probeTokens', 'probeTokens 0: expected an integer ≥ 1'],
      ],
    );
    assert.deepEqual(prepareLiveRun({ ...base, overrides: { model: 'm' } }).issues, [{ severity: 'error', field: 'baseUrl', message: 'baseUrl is required (e.g. http://localhost:11434/v1)' }]);
    assert.deepEqual(prepareLiveRun({ ...base, overrides: { baseUrl: 'http://h/v1', model: 'm', probeCue: 'x' } }).issues, [
      { severity: 'error', field: 'probeEvery', message: 'probeTokens, probeCue and probeTemplate need probeEvery' },
    ]);
  });

  it('probes with the defaults when probeEvery is set, and warns about cutoffs above the largest budget', () => {
    const cfg = config('{"cutoffs": [64, 128, 256], "live": {"model": "m", "maxTokens": 128, "probeEvery": 32}}');
    const { plan, issues } = prepareLiveRun({ ...base, config: cfg });
    assert.ok(plan);
    assert.equal(plan.options.probe?.every, 32);
    assert.equal(plan.options.probe?.maxTokens, 16);
    assert.equal(prepareLiveRun({ ...base, config: cfg, overrides: { probeEvery: 0 } }).plan?.options.probe, undefined, '0 turns probes off');
    assert.deepEqual(issues, [
      // 64 and 128 fit in the 128-token generations; 256 would only ever see the whole trace.
      { severity: 'warning', field: 'maxTokens', message: 'cutoff 256 of the config is above the largest budget (maxTokens 128), so it measures about full length; raise maxTokens to measure it' },
    ]);
  });
});

describe('a live run prepared by the CLI and by the editor', function () {
  this.timeout(60_000);
  let server: MockServer;
  let dir: string;
  const configText = (url: string): string => JSON.stringify({ testSets: ['questions.jsonl'], prompt: 'solve.md', cutoffs: [32, 64], extract: 'last-number', live: { baseUrl: url, model: 'mock', maxTokens: 160, probeEvery: 48, extraBody: { seed: 3 } } });

  before(async () => {
    server = await startMockServer({ rows });
    dir = mkdtempSync(join(tmpdir(), 'pb-prepare-'));
    writeFileSync(join(dir, 'questions.jsonl'), questions);
    writeFileSync(join(dir, 'solve.md'), 'Solve step by step.\n\n{{question}}\n');
    writeFileSync(join(dir, 'promptbudget.json'), configText(server.baseUrl));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const io = (): CliIo & { err: string } => {
    const out = { err: '', stdout: () => undefined, stderr: (t: string) => void (out.err += t), cwd: dir, env: {} };
    return out;
  };

  /** The editor's path: settings at their defaults, promptbudget.json's keys merged over them. */
  function editorPlan(): ReturnType<typeof prepareLiveRun> {
    const text = readFileSync(join(dir, 'promptbudget.json'), 'utf8');
    const loaded = { text, ...parseConfig(text) } as unknown as LoadedConfig;
    const bytes = readFileSync(join(dir, 'questions.jsonl'), 'utf8');
    const cases = parseTestSet(bytes, { fileName: 'questions.jsonl', fields: loaded.config.fields }).cases;
    const lines = rawRowsByLine(bytes, 'questions.jsonl');
    const linkedPrompt = readFileSync(join(dir, 'solve.md'), 'utf8');
    const overrides = liveRunOverrides(resolveLiveOptions(settingDefaults, loaded));
    return prepareLiveRun({ config: loaded.config, linkedPrompt, cases, rows: cases.map((c) => lines.get(c.line)), overrides });
  }

  it('plans the same requests, so both hit the same cache entries', async () => {
    const cli = await planFromFlags({ config: 'promptbudget.json', out: 'cli.jsonl' }, [], io());
    const editor = editorPlan();
    assert.ok(editor.plan);
    assert.deepEqual(cli.plan, editor.plan);
    const url = `${server.baseUrl}/chat/completions`;
    for (let i = 0; i < N; i++) {
      const a: Record<string, unknown> = buildChatBody(cli.plan.cases[i], cli.plan.options, cli.plan.options.rows?.[i]).body;
      const b: Record<string, unknown> = buildChatBody(editor.plan.cases[i], editor.plan.options, editor.plan.options.rows?.[i]).body;
      // Equal bodies give equal keys: a run in the editor reuses what the CLI cached, and back.
      assert.equal(await requestCacheKey(url, a), await requestCacheKey(url, b));
      assert.match(JSON.stringify(a), /"seed":3/);
    }
    assert.deepEqual(editor.issues.map((i) => i.field), []);
  });

  it('writes the same rows', async () => {
    const cliIo = io();
    assert.equal(await runCommand(['--config', 'promptbudget.json', '--out', 'cli.jsonl', '--no-cache'], cliIo), 0, cliIo.err);
    const { plan } = editorPlan();
    assert.ok(plan);
    // What the worker does with the editor's plan (src/worker/sweepWorker.ts), minus the thread.
    const run = await runLive(plan.cases, { ...plan.options });
    const editorRows = tracedJsonl(plan.cases, plan.options.rows ?? [], run.results, resolveFields());
    const cliRows = readFileSync(join(dir, 'cli.jsonl'), 'utf8');
    assert.equal(cliRows, editorRows);
    const first = JSON.parse(cliRows.split('\n')[0]) as { output: string; probes: unknown[] };
    assert.ok(first.output.length > 0 && first.probes.length > 0, 'traces with probes');
  });
});
