import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Case } from '../../../../src/core/types';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { resolveFields } from '../../../../src/core/testSet/resolveFields';
import { runLive, type LiveRunOptions } from '../../../../src/core/live/liveRun';
import { batchPromptTokens, batchRequestJsonl, batchRequestLines, readBatchOutput, type BatchRequestLine } from '../../../../src/core/live/batchLines';
import { getTokenizer } from '../../../../src/core/tokens';
import { tracedJsonl } from '../../../../src/core/live/tracedRows';
import { loadSharedRows, startMockServer, type MockServer } from '../../../support/openaiMockServer';

const GSM8K = 'gsm8k_faithfulcot_gpt4_cot.jsonl';
const N = 10;

function sharedCases(n: number): Case[] {
  const text = readFileSync(resolve(__dirname, '../../../../../shared/data', GSM8K), 'utf8').split('\n').slice(0, n).join('\n');
  return parseTestSet(text, { fileName: GSM8K }).cases.map(({ output: _drop, ...c }) => c);
}

/** A batch engine: each request line sent as is to the loopback server, its answer written as OpenAI's output line. */
async function fakeEngine(baseUrl: string, lines: readonly BatchRequestLine[], fail?: string): Promise<string> {
  const out: string[] = [];
  for (const l of lines) {
    if (l.custom_id === fail) {
      out.push(JSON.stringify({ id: 'r', custom_id: l.custom_id, response: { status_code: 500, body: { error: { message: 'boom' } } }, error: null }));
      continue;
    }
    const res = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(l.body) });
    out.push(JSON.stringify({ id: 'r', custom_id: l.custom_id, response: { status_code: res.status, request_id: 'q', body: await res.json() }, error: null }));
  }
  return `${out.reverse().join('\n')}\n`;
}

describe('core/live/batchLines: prepare → any engine → import rebuilds what run writes', function () {
  this.timeout(60_000);
  const rows = loadSharedRows(GSM8K, N);
  const cases = sharedCases(N);
  let server: MockServer;
  const fields = resolveFields();
  const opts = (): LiveRunOptions => ({ baseUrl: server.baseUrl, model: 'mock', maxTokens: 2048, arms: [{ name: 'low', body: { reasoning_effort: 'low' } }] });

  before(async () => {
    server = await startMockServer({ rows, effortCaps: { low: 20 }, reasoningField: 'reasoning_content' });
  });
  after(async () => server.stop());

  it('writes one non-streamed request line per case and arm, with the bodies run sends', () => {
    const { lines, missing } = batchRequestLines(cases, opts());
    assert.deepEqual(missing, []);
    assert.equal(lines.length, 2 * N);
    assert.deepEqual(Object.keys(lines[0]), ['custom_id', 'method', 'url', 'body']);
    assert.deepEqual([lines[0].custom_id, lines[1].custom_id], ['case-0', 'case-0::arm:low']);
    assert.equal(lines[0].url, '/v1/chat/completions');
    assert.equal(lines[0].body.stream_options, undefined);
    assert.equal(lines[1].body.reasoning_effort, 'low');
    assert.equal(batchRequestJsonl(lines).split('\n').length, 2 * N + 1);
  });

  it('counts the prompt tokens of the lines as OpenAI bills a chat, for the batch offer', () => {
    const tok = getTokenizer('o200k_base');
    // One user message: 3 to prime the reply, 3 per message, then its role and content.
    const one: BatchRequestLine = { custom_id: 'case-0', method: 'POST', url: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'What is 2+2?' }] } };
    assert.equal(tok.count('user'), 1);
    assert.equal(tok.count('What is 2+2?'), 7);
    assert.equal(batchPromptTokens([one], tok), 3 + 3 + 1 + 7);
    // Each arm repeats its case's messages: the arm lines cost what the default lines cost.
    const { lines } = batchRequestLines(cases, opts());
    const base = lines.filter((l) => !l.custom_id.includes('::arm:'));
    const perCase = base.map((l) => batchPromptTokens([l], tok));
    assert.ok(perCase.every((n) => n > 7), perCase.join(','));
    assert.equal(batchPromptTokens(lines, tok), 2 * perCase.reduce((a, b) => a + b, 0));
  });

  it('imports the output lines into the same traced file as run, byte for byte', async () => {
    const live = await runLive(cases, opts());
    const { lines } = batchRequestLines(cases, opts());
    const imported = readBatchOutput(cases, opts(), await fakeEngine(server.baseUrl, lines));
    assert.deepEqual(imported.failures, []);
    const rawRows = rows.map((r) => ({ ...r, output: undefined }));
    assert.equal(tracedJsonl(cases, rawRows, imported.results, fields), tracedJsonl(cases, rawRows, live.results, fields));
  });

  it('reports a failed line by id, and re-prepares only the failed ones', async () => {
    const { lines } = batchRequestLines(cases, opts());
    const imported = readBatchOutput(cases, opts(), await fakeEngine(server.baseUrl, lines, 'case-3::arm:low'));
    assert.deepEqual(imported.failures, [{ customId: 'case-3::arm:low', line: 13, message: 'status 500: boom' }]);
    assert.equal(imported.results[3].error, 'batch lines case-3::arm:low failed or are missing');
    assert.equal(imported.results.filter((r) => r.error).length, 1);
    const again = batchRequestLines(cases, opts(), new Set(imported.failures.map((f) => f.customId ?? '')));
    assert.deepEqual(again.lines.map((l) => l.custom_id), ['case-3::arm:low']);
    assert.deepEqual(again.lines[0], lines[7]);
  });
});
