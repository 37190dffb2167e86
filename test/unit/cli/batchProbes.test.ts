import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonical, loadSharedRows } from '../../support/openaiMockServer';
import { useLoopbackRun } from './runCli';
import { forwardingEngine, startBatchServer, type BatchServer } from '../../support/openaiBatchServer';

const N = 6;

/** Runs every line of a request file through the engine, as OpenAI's output lines. */
async function runLines(engine: ReturnType<typeof forwardingEngine>, requests: string): Promise<string> {
  const out: string[] = [];
  for (const line of requests.split('\n').filter((l) => l.trim() !== '')) {
    const { custom_id, url, body } = JSON.parse(line) as { custom_id: string; url: string; body: unknown };
    const r = await engine(url, body);
    out.push(JSON.stringify({ id: 'x', custom_id, response: { status_code: r.status, body: r.body }, error: null }));
  }
  return `${out.join('\n')}\n`;
}

describe('cli batch --phase probes: forced answers and probes as a second batch', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  const live = useLoopbackRun({ prefix: 'pb-batch-probes-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 64 }] });
  let api: BatchServer;
  const same = ['--model', 'mock', '--max-tokens', '100000', '--budgets', '512,2048,4096', '--probe-every', '1500'];

  before(async () => {
    api = await startBatchServer(forwardingEngine(live.server.baseUrl));
  });
  after(async () => api.stop());

  it('prepare → engine → import, twice, writes the file run --budgets --probe-every writes; the second batch holds run\'s /completions bodies', async () => {
    const run = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, ...same, '--no-cache', '--out', 'run.jsonl']);
    assert.equal(run.code, 0, run.err);
    const sentByRun = live.server.requests.filter((q) => q.path === '/v1/completions').map((q) => q.bodyKey).sort();
    assert.ok(sentByRun.length > N, `run made ${sentByRun.length} forced/probe calls`);
    const engine = forwardingEngine(live.server.baseUrl);

    const prep = await live.cli(['batch', 'prepare', 'questions.jsonl', ...same, '--out', 'gen.jsonl']);
    assert.equal(prep.code, 0, prep.err);
    assert.match(prep.err, /after import, run this step again with --phase probes <traces\.jsonl>/);
    writeFileSync(join(live.dir, 'gen-out.jsonl'), await runLines(engine, readFileSync(join(live.dir, 'gen.jsonl'), 'utf8')));
    const imp = await live.cli(['batch', 'import', 'questions.jsonl', 'gen-out.jsonl', ...same, '--out', 'traces.jsonl']);
    assert.equal(imp.code, 0, imp.err);
    assert.ok(!readFileSync(join(live.dir, 'traces.jsonl'), 'utf8').includes('"forced"'));

    const prep2 = await live.cli(['batch', 'prepare', 'questions.jsonl', ...same, '--phase', 'probes', 'traces.jsonl', '--out', 'probes.jsonl']);
    assert.equal(prep2.code, 0, prep2.err);
    const lines = readFileSync(join(live.dir, 'probes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; url: string; body: Record<string, unknown> });
    // run's client adds stream: false to each /completions call; a batch line needs none.
    assert.deepEqual(lines.map((l) => canonical({ ...l.body, stream: false })).sort(), sentByRun, 'the second batch sends what run sent to /completions');
    assert.ok(lines.every((l) => l.url === '/v1/completions' && /^case-\d+::(budget|probe):\d+$/.test(l.custom_id)));
    assert.ok(lines.some((l) => l.custom_id.includes('::budget:')) && lines.some((l) => l.custom_id.includes('::probe:')));

    writeFileSync(join(live.dir, 'probes-out.jsonl'), await runLines(engine, readFileSync(join(live.dir, 'probes.jsonl'), 'utf8')));
    const imp2 = await live.cli(['batch', 'import', 'questions.jsonl', 'probes-out.jsonl', ...same, '--phase', 'probes', 'traces.jsonl', '--out', 'final.jsonl']);
    assert.equal(imp2.code, 0, imp2.err);
    assert.equal(readFileSync(join(live.dir, 'final.jsonl'), 'utf8'), readFileSync(join(live.dir, 'run.jsonl'), 'utf8'));
  });

  it('submits the second phase to the Batch API (/v1/completions) and fetch --import writes run\'s file; a failed line keeps its case\'s trace', async () => {
    const phase = ['--base-url', api.baseUrl, ...same, '--phase', 'probes', 'traces.jsonl'];
    const sub = await live.cli(['batch', 'submit', 'questions.jsonl', ...phase]);
    assert.equal(sub.code, 0, sub.err);
    assert.equal(api.log.filter((l) => l.path === '/v1/batches' && l.method === 'POST').length, 1);
    const uploaded = [...api.files.values()].find((f) => f.purpose === 'batch');
    assert.equal(uploaded?.text, readFileSync(join(live.dir, 'probes.jsonl'), 'utf8'));
    const got = await live.cli(['batch', 'fetch', 'questions.jsonl', ...phase, '--wait', '--poll', '0', '--out', 'api-out.jsonl', '--import', 'api-final.jsonl']);
    assert.equal(got.code, 0, got.err);
    assert.equal(readFileSync(join(live.dir, 'api-final.jsonl'), 'utf8'), readFileSync(join(live.dir, 'run.jsonl'), 'utf8'));

    const first = JSON.parse(readFileSync(join(live.dir, 'probes.jsonl'), 'utf8').split('\n')[0]) as { custom_id: string };
    api.scenarios.push({ polls: 0, failIds: [first.custom_id] });
    const partial = await live.cli(['batch', 'submit', 'questions.jsonl', ...phase, '--cache', 'c2']);
    assert.equal(partial.code, 0, partial.err);
    const bad = await live.cli(['batch', 'fetch', 'questions.jsonl', ...phase, '--cache', 'c2', '--out', 'bad-out.jsonl', '--import', 'bad.jsonl']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, new RegExp(`${first.custom_id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: status 400`));
    const written = readFileSync(join(live.dir, 'bad.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { output?: string; forced?: unknown; probes?: unknown });
    const index = Number(/^case-(\d+)/.exec(first.custom_id)?.[1]);
    assert.equal(typeof written[index].output, 'string');
    assert.equal(written[index].forced, undefined);
    assert.ok(written.filter((_, i) => i !== index).every((w) => Array.isArray(w.forced) && Array.isArray(w.probes)));
  });

  it('names a traces file that does not fit the test set', async () => {
    writeFileSync(join(live.dir, 'short.jsonl'), readFileSync(join(live.dir, 'traces.jsonl'), 'utf8').split('\n').slice(1).join('\n'));
    const r = await live.cli(['batch', 'prepare', 'questions.jsonl', ...same, '--phase', 'probes', 'short.jsonl', '--out', 'x.jsonl']);
    assert.equal(r.code, 2);
    assert.match(r.err, /short\.jsonl: 5 row\(s\), but the test set has 6/);
  });
});
