import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import { runCommand } from '../../../src/cli/runCommand';
import { UsageError, type CliIo } from '../../../src/cli/io';
import { FileCacheStore } from '../../../src/node/fileCacheStore';
import { closedPort, loadSharedRows, startMockServer, type MockServer } from '../../support/openaiMockServer';

const repo = resolve(__dirname, '../../..');
const gsm8k = resolve(repo, '../shared/data/gsm8k_faithfulcot_gpt4_cot.jsonl');
// The first 40 GPT-4 GSM8K rows, replayed by the loopback server as the model's answers.
const N = 40;
const KEY = 'sk-cli-run-SECRET-777000777';

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], cwd: string, extra: Partial<CliIo> = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env: { PROMPT_BUDGET_API_KEY: KEY }, ...extra };
  const code = await (args[0] === 'run' ? runDirect(args.slice(1), io) : main(args, io));
  return { code, out, err };
}

/**
 * `main` loads `run` with a dynamic import(), which the tsx/cjs hook used by mocha cannot resolve,
 * so `run` is called directly here with main's handling of usage errors.
 */
async function runDirect(args: string[], io: CliIo): Promise<number> {
  try {
    return await runCommand(args, io);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`prompt-budget: ${err.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The child process of the kill test: `run` with the real process's I/O. */
const CHILD = `require(${JSON.stringify(resolve(__dirname, '../../../src/cli/runCommand.ts'))})
  .runCommand(process.argv.slice(1), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), cwd: process.cwd(), env: process.env })
  .then((code) => { process.exitCode = code; });`;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

function jsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('cli run', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', N);
  let server: MockServer;
  let dir: string;
  const sweepArgs = ['--extract', 'last-number', '--match', 'numeric', '--format', 'json', '--cases'];

  before(async () => {
    server = await startMockServer({ rows, apiKey: KEY });
    dir = mkdtempSync(join(tmpdir(), 'pb-run-'));
    const lines = readFileSync(gsm8k, 'utf8').split('\n').slice(0, N);
    // The recorded traces (for the offline sweep) and the same rows without them (for the live run).
    writeFileSync(join(dir, 'recorded.jsonl'), `${lines.join('\n')}\n`);
    const questions = lines.map((l) => {
      const { output: _drop, ...row } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(row);
    });
    writeFileSync(join(dir, 'questions.jsonl'), `${questions.join('\n')}\n`);
  });
  beforeEach(() => {
    server.setFault(undefined);
    server.resetLog();
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const runArgs = (out: string, ...more: string[]): string[] => ['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'mock', '--out', out, ...more];

  it('writes the rows back with output, finishReason and usage, and `sweep` reproduces the offline sweep', async () => {
    const r = await cli(runArgs('live.jsonl', '--cache', 'cache', '--max-tokens', '2048', '--extract', 'last-number'), dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(server.requests.length, N);
    assert.ok(server.requests.every((q) => q.authorization === `Bearer ${KEY}`));
    assert.match(r.err, /run: 40\/40 cases · [\d,]+ tokens · 40 requests sent, 0 from cache/);
    assert.match(r.err, /wrote 40 row\(s\) to live\.jsonl: 40 with a trace \(0 from cache\)/);
    assert.match(r.err, /0 case\(s\) truncated/);
    // The mock reports the contents' o200k tokens as usage.prompt_tokens; the local count adds OpenAI's
    // per-message overhead (3 + the role "user" + 3 for the reply), so every case drifts by −7.
    assert.match(r.err, /prompt tokens: server − local \(o200k_base\) differs on 40 of 40 case\(s\): mean −7\.0, mean \|drift\| 7\.0, max −7\.0 on \S+ \(local \d+, server \d+\)/);

    const written = jsonl(join(dir, 'live.jsonl'));
    const original = jsonl(join(dir, 'recorded.jsonl'));
    assert.equal(written.length, N);
    written.forEach((row, i) => {
      const { finishReason, usage, ...rest } = row;
      assert.deepEqual(rest, original[i], 'the original row, with the live output');
      assert.equal(finishReason, 'stop');
      assert.equal(typeof (usage as { completionTokens?: number }).completionTokens, 'number');
    });

    const cutoffs = ['--cutoffs', '16,32,48,64,96,128,192,256'];
    const live = await cli(['sweep', 'live.jsonl', ...sweepArgs, ...cutoffs], dir);
    const offline = await cli(['sweep', 'recorded.jsonl', ...sweepArgs, ...cutoffs], dir);
    assert.equal(live.code, 0, live.err);
    assert.equal(offline.code, 0, offline.err);
    // full, the 8 cutoffs given and the 6 default dynamic rules.
    assert.equal((JSON.parse(offline.out) as { rows: unknown[] }).rows.length, 1 + 8 + 6);
    assert.deepEqual(JSON.parse(live.out), JSON.parse(offline.out));
  });

  it('answers a second run from the cache; --no-cache sends again and --clear-cache empties only the cache', async () => {
    const again = await cli(runArgs('again.jsonl', '--cache', 'cache', '--max-tokens', '2048'), dir);
    assert.equal(again.code, 0, again.err);
    assert.equal(server.requests.length, 0);
    assert.match(again.err, /40 with a trace \(40 from cache\); 0 request\(s\) sent, 40 answered from cache/);
    assert.equal(readFileSync(join(dir, 'again.jsonl'), 'utf8'), readFileSync(join(dir, 'live.jsonl'), 'utf8'));

    const nocache = await cli(runArgs('nocache.jsonl', '--no-cache', '--max-tokens', '2048'), dir);
    assert.equal(nocache.code, 0, nocache.err);
    assert.equal(server.requests.length, N);
    assert.ok(!existsSync(join(dir, '.prompt-budget-cache')));

    writeFileSync(join(dir, 'cache', 'NOTES.txt'), 'mine');
    server.resetLog();
    const cleared = await cli(runArgs('cleared.jsonl', '--cache', 'cache', '--clear-cache', '--max-tokens', '2048'), dir);
    assert.equal(cleared.code, 0, cleared.err);
    assert.match(cleared.err, /cleared 40 cached response\(s\)/);
    assert.equal(server.requests.length, N);
    assert.equal(readFileSync(join(dir, 'cache', 'NOTES.txt'), 'utf8'), 'mine');
  });

  it('never writes the API key to the cache, the output or stderr', async () => {
    server.setFault((req) => (req.attempt === 1 && req.seq % 7 === 0 ? { kind: 'status', status: 500, message: `upstream saw key ${KEY}` } : undefined));
    const r = await cli(runArgs('keyless.jsonl', '--cache', 'keycache', '--probe-every', '64', '--retries', '3'), dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /retry 1 in .*upstream saw key \*\*\*/);
    assert.ok(!r.err.includes(KEY));
    const files = [...filesUnder(join(dir, 'keycache')), join(dir, 'keyless.jsonl')];
    assert.ok(files.length > N);
    for (const f of files) assert.ok(!readFileSync(f, 'utf8').includes(KEY), `${f} holds the key`);
  });

  it('records probes that a probe-policy sweep replays', async () => {
    const r = await cli(runArgs('probes.jsonl', '--cache', 'cache', '--max-tokens', '2048', '--probe-every', '32', '--probe-tokens', '8'), dir);
    assert.equal(r.code, 0, r.err);
    const probeCalls = server.requests.filter((q) => q.path === '/v1/completions');
    assert.equal(server.requests.length, probeCalls.length, 'generations came from the cache; only probes were sent');
    assert.ok(probeCalls.every((q) => q.body.max_tokens === 8));
    const written = jsonl(join(dir, 'probes.jsonl'));
    const total = written.reduce((n, row) => n + (row.probes as unknown[]).length, 0);
    assert.equal(total, probeCalls.length);
    const sweep = await cli(['sweep', 'probes.jsonl', '--policies', 'probe:32x2,cutoff:64', ...sweepArgs], dir);
    assert.equal(sweep.code, 0, sweep.err);
    const json = JSON.parse(sweep.out) as { rows: { policy: string; meanProbeTokens?: number }[] };
    assert.deepEqual(
      json.rows.map((row) => row.policy),
      ['full', 'probe:32x2', 'cutoff:64'],
    );
  });

  it('counts truncated cases, which the sweep counts as cut before answer', async () => {
    const r = await cli(runArgs('short.jsonl', '--cache', 'cache', '--max-tokens', '40', '--extract', 'answer-is'), dir);
    assert.equal(r.code, 0, r.err);
    const m = /(\d+) case\(s\) hit --max-tokens 40 \(finish_reason length\); (\d+) of them have no answer: truncated/.exec(r.err);
    assert.ok(m, r.err);
    const written = jsonl(join(dir, 'short.jsonl'));
    assert.equal(Number(m[1]), written.filter((row) => row.finishReason === 'length').length);
    const sweep = await cli(['sweep', 'short.jsonl', '--extract', 'answer-is', '--match', 'numeric', '--format', 'json'], dir);
    const full = (JSON.parse(sweep.out) as { rows: { policy: string; cutBeforeAnswer: number }[] }).rows[0];
    const neverAnswered = written.filter((row) => !/The answer is/i.test(String(row.output))).length;
    assert.equal(full.cutBeforeAnswer, neverAnswered);
    assert.ok(Number(m[2]) > 0 && Number(m[2]) <= full.cutBeforeAnswer);
  });

  it('fills a prompt template from any field of the row', async () => {
    writeFileSync(join(dir, 'prompt.md'), 'Solve step by step.\n\n{{question}}\n\n(case {{id}}; gold model: {{model}})');
    const r = await cli(runArgs('templated.jsonl', '--no-cache', '--prompt', 'prompt.md', '--concurrency', '2'), dir);
    assert.equal(r.code, 0, r.err);
    const first = server.requests.find((q) => q.row?.id === rows[0].id);
    const messages = first?.body.messages as { role: string; content: string }[];
    assert.match(messages[0].content, new RegExp(`^Solve step by step\\.\\n\\nJanet’s ducks[^]*\\(case gsm8k-test-0; gold model: gpt-4 \\(config`));
    writeFileSync(join(dir, 'bad.md'), '{{question}} {{difficulty}}');
    const bad = await cli(runArgs('bad.jsonl', '--prompt', 'bad.md'), dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /uses \{\{difficulty\}\}, which case "gsm8k-test-0" \(line 1\) does not have/);
  });

  it('exits 2 with a clear message when the server cannot be reached', async () => {
    const port = await closedPort();
    const r = await cli(['run', 'questions.jsonl', '--base-url', `http://127.0.0.1:${port}/v1`, '--model', 'mock', '--out', 'none.jsonl', '--no-cache'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`prompt-budget run: cannot reach http://127\\.0\\.0\\.1:${port}/v1: connect ECONNREFUSED\\n`));
    assert.ok(!existsSync(join(dir, 'none.jsonl')));
    const nine = await cli(['run', 'questions.jsonl', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'mock', '--out', 'none.jsonl', '--no-cache'], dir);
    assert.equal(nine.code, 2);
    assert.match(nine.err, /cannot reach http:\/\/127\.0\.0\.1:9\/v1: fetch refuses this port/);
  });

  it('exits 2 when the server rejects the key, without showing the key', async () => {
    const wrong = await cli(runArgs('none.jsonl', '--no-cache'), dir, { env: { OPENAI_API_KEY: 'sk-wrong-key-31337' } });
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /rejected the API key \(401 Unauthorized\): Incorrect API key provided\. \(check PROMPT_BUDGET_API_KEY or OPENAI_API_KEY\)/);
    assert.equal(server.requests[0].authorization, 'Bearer sk-wrong-key-31337', 'falls back to OPENAI_API_KEY');
    const none = await cli(runArgs('none.jsonl', '--no-cache'), dir, { env: {} });
    assert.equal(none.code, 2);
    assert.match(none.err, /no key was sent: set PROMPT_BUDGET_API_KEY or OPENAI_API_KEY/);
    server.setFault(() => ({ kind: 'status', status: 403, message: `key ${KEY} is not allowed to use this model` }));
    const forbidden = await cli(runArgs('none.jsonl', '--no-cache'), dir);
    assert.equal(forbidden.code, 2);
    assert.match(forbidden.err, /rejected the API key \(403 Forbidden\): key \*\*\* is not allowed/);
    assert.ok(!forbidden.err.includes(KEY));
    assert.ok(!existsSync(join(dir, 'none.jsonl')));
  });

  it('--arms adds one generation per case and arm, kept under arms.<name>; a bad arms file is named with its element', async () => {
    writeFileSync(join(dir, 'arms.json'), JSON.stringify([{ name: 'short', body: { max_tokens: 24 } }]));
    const r = await cli(runArgs('arms.jsonl', '--no-cache', '--arms', 'arms.json'), dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /arms short\)/);
    // The default generation and the `short` arm's, for every case.
    assert.equal(server.requests.length, 2 * N);
    const written = jsonl(join(dir, 'arms.jsonl'));
    written.forEach((row, i) => {
      const arm = (row.arms as Record<string, { output: string; finishReason: string; usage: { completionTokens: number } }>).short;
      assert.equal(row.output, rows[i].output);
      assert.equal(arm.finishReason, 'length');
      // The arm's own max_tokens (24) replaces the run's, so the mock cuts each answer there.
      assert.equal(arm.usage.completionTokens, 24);
      assert.ok(rows[i].output.startsWith(arm.output));
    });
    const swept = await cli(['sweep', 'arms.jsonl', ...sweepArgs, '--cutoffs', '16'], dir);
    assert.equal(swept.code, 0, swept.err);
    const result = JSON.parse(swept.out) as { rows: { policy: string; arm?: string; meanTokens: number; savings: number }[] };
    const armRow = result.rows.find((x) => x.policy === 'arm:short');
    assert.equal(armRow?.arm, 'short');
    // GPT-4's GSM8K answers (311 characters median) average over twice 24 tokens, so the cap saves over half.
    assert.ok(armRow && armRow.meanTokens <= 24 && armRow.savings > 0.5);
    const onArm = await cli(['sweep', 'arms.jsonl', ...sweepArgs, '--cutoffs', '16', '--arm', 'short'], dir);
    const onArmResult = JSON.parse(onArm.out) as { rows: { policy: string; meanTokens: number }[] };
    assert.equal(onArmResult.rows[0].policy, 'full');
    assert.ok(onArmResult.rows.every((x) => !x.policy.startsWith('arm:')));
    assert.equal(onArmResult.rows[0].meanTokens, armRow?.meanTokens);
    writeFileSync(join(dir, 'arms-bad.json'), JSON.stringify([{ name: 'a', body: { seed: 1 } }, { name: 'a', body: { seed: 2 } }]));
    const bad = await cli(runArgs('x.jsonl', '--arms', 'arms-bad.json'), dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'prompt-budget: --arms arms-bad.json: [1].name: "a" is used twice\n');
    writeFileSync(join(dir, 'arms-broken.json'), '[{');
    assert.match((await cli(runArgs('x.jsonl', '--arms', 'arms-broken.json'), dir)).err, /^prompt-budget: --arms arms-broken\.json: not valid JSON/);
  });

  it('rejects bad usage with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'questions.jsonl', '--model', 'm', '--out', 'x.jsonl'], /--base-url is required/],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--out', 'x.jsonl'], /--model is required/],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm'], /--out <file\.jsonl> is required/],
      [['run', 'questions.jsonl', '--base-url', 'ftp://h/v1', '--model', 'm', '--out', 'x.jsonl'], /expected http:\/\/ or https:\/\//],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'questions.jsonl'], /--out must differ from the test set/],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'x.jsonl', '--extra-body', '[1]'], /expected a JSON object/],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'x.jsonl', '--max-tokens-param', 'tokens'], /expected max_tokens or max_completion_tokens/],
      [['run', 'missing.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'x.jsonl'], /cannot read test set .*missing\.jsonl: no such file/],
      // Core checks the values (prepareLiveRun); the CLI names its flags and the values as typed.
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'x.jsonl', '--max-tokens', 'many'], /^prompt-budget: --max-tokens many: expected an integer ≥ 1\n$/],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'x.jsonl', '--timeout', '0'], /^prompt-budget: --timeout 0: expected seconds > 0\n$/],
      [['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'm', '--out', 'x.jsonl', '--probe-cue', 'x'], /--probe-tokens, --probe-cue and --probe-template need --probe-every/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, dir);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message);
    }
    assert.equal(server.requests.length, 0);
  });

  it('stops on cancel (exit 130), cutting open streams, and a re-run sends only what is missing', async () => {
    // After the first 6 requests every stream slows to 40 ms a token: left alone, each would finish
    // (and be cached), so only a cancel that cuts open streams leaves exactly 6 answers.
    server.setFault((req) => (req.seq > 6 ? { kind: 'slow', afterTokens: 5, chunkDelayMs: 40 } : undefined));
    const ctl = new AbortController();
    const cacheDir = join(dir, 'cancelcache');
    const timer = setInterval(() => {
      if (!ctl.signal.aborted && filesUnder(cacheDir).length >= 6 && server.requests.length >= 10) ctl.abort();
    }, 20);
    const r = await cli(runArgs('cancel.jsonl', '--cache', 'cancelcache'), dir, { signal: ctl.signal });
    clearInterval(timer);
    assert.equal(r.code, 130, r.err);
    assert.ok(ctl.signal.aborted);
    assert.deepEqual(server.requests.filter((q) => q.completed).map((q) => q.seq), [1, 2, 3, 4, 5, 6]);
    // Only the 6 requests before the slow-down finished: exactly those are cached, and nothing is written.
    assert.match(r.err, /run: cancelled after 6 of 40 case\(s\); finished responses are cached/);
    assert.ok(!existsSync(join(dir, 'cancel.jsonl')));
    assert.equal(filesUnder(cacheDir).length, 6);

    server.setFault(undefined);
    server.resetLog();
    const again = await cli(runArgs('cancel.jsonl', '--cache', 'cancelcache'), dir);
    assert.equal(again.code, 0, again.err);
    // The re-run asks only for the 34 answers the cache lacks.
    assert.equal(server.requests.length, N - 6);
    assert.ok(server.requests.every((q) => q.attempt === 1), 'each missing request is sent once');
    assert.equal(jsonl(join(dir, 'cancel.jsonl')).length, N);
  });

  it('resumes after the process is killed: the cache is intact and only missing requests are sent', async () => {
    server.setFault((req) => (req.seq > 8 ? { kind: 'stall', afterTokens: 3 } : undefined));
    const cacheDir = join(dir, 'killcache');
    const child = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), '-e', CHILD, '--', ...runArgs('killed.jsonl', '--cache', 'killcache').slice(1)],
      { cwd: dir, env: { ...process.env, PROMPT_BUDGET_API_KEY: KEY, OPENAI_API_KEY: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (filesUnder(cacheDir).length < 8 || server.requests.length < 12)) await new Promise((r) => setTimeout(r, 15));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', stderr);
    assert.ok(!stderr.includes(KEY));

    const entries = filesUnder(cacheDir);
    // The 8 answers that finished before the stalls; a SIGKILL leaves no half-written entry.
    assert.equal(entries.length, 8, entries.join('\n'));
    for (const f of entries) {
      const entry = JSON.parse(readFileSync(f, 'utf8')) as { result: { content: string; finishReason: string } };
      assert.ok(rows.some((row) => row.output === entry.result.content), 'every entry is a whole answer');
      assert.equal(entry.result.finishReason, 'stop');
      assert.ok(!readFileSync(f, 'utf8').includes(KEY));
    }
    assert.ok(!existsSync(join(dir, 'killed.jsonl')));

    server.setFault(undefined);
    server.resetLog();
    const again = await cli(runArgs('killed.jsonl', '--cache', 'killcache'), dir);
    assert.equal(again.code, 0, again.err);
    assert.equal(server.requests.length, N - 8);
    assert.match(again.err, /40 with a trace \(8 from cache\)/);
    assert.deepEqual(
      jsonl(join(dir, 'killed.jsonl')).map((row) => row.output),
      rows.map((row) => row.output),
    );
    assert.equal(await new FileCacheStore(cacheDir).clear(), N);
  });
});
