// A live run through the OpenAI Batch API against the same run streamed, for the same cases and
// arms, both measured against loopback servers: HTTP requests sent (file upload, batch create, polls
// and downloads included) and the cost of the tokens the server reported, the batch at half price.
import { readFileSync } from 'node:fs';
import { batchRequestJsonl, batchRequestLines, readBatchOutput } from '../src/core/live/batchLines';
import { BATCH_PRICE_SHARE, downloadBatchOutput, OpenAiBatchClient, submitBatch, waitForBatch } from '../src/core/live/batchApi';
import { MemoryCacheStore } from '../src/core/live/cacheStore';
import { runLive, type LiveCaseResult, type LiveRunOptions } from '../src/core/live/liveRun';
import type { Case } from '../src/core/types';
import { startMockServer, type MockRow } from '../test/support/openaiMockServer';
import { forwardingEngine, startBatchServer } from '../test/support/openaiBatchServer';

export interface BatchBenchFigures {
  file: string;
  cases: number;
  arms: string[];
  /** Generations asked (cases × (1 + arms)). */
  generations: number;
  streamedRequests: number;
  /** Upload + create + polls + output and error file downloads. */
  batchRequests: number;
  polls: number;
  inputTokens: number;
  outputTokens: number;
  streamedUsd: number;
  batchUsd: number;
}

function tokensOf(results: readonly LiveCaseResult[]): { input: number; output: number } {
  let input = 0;
  let output = 0;
  for (const r of results) {
    for (const u of [r.usage, ...Object.values(r.arms ?? {}).map((a) => a.usage)]) {
      input += u?.promptTokens ?? 0;
      output += u?.completionTokens ?? 0;
    }
  }
  return { input, output };
}

/**
 * Runs the cases of `path` (rows with `id`, `question`, `answer`, `output`) both ways: streamed
 * through `runLive`, and as one batch that stays in progress for `polls` polls. Prices per 1M tokens.
 */
export async function benchBatchVsStreamed(path: string, prices: { inputPer1M: number; outputPer1M: number }, polls = 5): Promise<BatchBenchFigures> {
  const rows: MockRow[] = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MockRow);
  const chat = await startMockServer({ rows, reasoningField: 'reasoning_content', tokensPerChunk: 64, effortCaps: { low: 512 } });
  const api = await startBatchServer(forwardingEngine(chat.baseUrl));
  try {
    const cases: Case[] = rows.map((r, i) => ({ id: r.id, question: r.question, answers: [r.answer], tags: [], line: i + 1 }));
    const arms = [{ name: 'low', body: { reasoning_effort: 'low' } }];
    const opts: LiveRunOptions = { baseUrl: chat.baseUrl, model: 'mock', maxTokens: 100_000, arms };
    const streamed = await runLive(cases, opts);
    const streamedRequests = chat.requests.length;

    const client = new OpenAiBatchClient({ baseUrl: api.baseUrl });
    api.scenarios.push({ polls });
    const { lines } = batchRequestLines(cases, opts);
    const { job } = await submitBatch(client, new MemoryCacheStore(), batchRequestJsonl(lines), '/v1/chat/completions');
    const done = await waitForBatch(client, job.id, 0);
    const { results, failures } = readBatchOutput(cases, opts, await downloadBatchOutput(client, done));
    if (failures.length > 0) throw new Error(`batch bench: ${failures.length} line(s) failed`);
    const s = tokensOf(streamed.results);
    const b = tokensOf(results);
    if (s.input !== b.input || s.output !== b.output) throw new Error('batch bench: the two runs reported different usage');
    const usd = (t: { input: number; output: number }): number => (t.input * prices.inputPer1M + t.output * prices.outputPer1M) / 1e6;
    return {
      file: path.split('/').pop() ?? path,
      cases: cases.length,
      arms: arms.map((a) => a.name),
      generations: lines.length,
      streamedRequests,
      batchRequests: client.requests,
      polls: polls + 1,
      inputTokens: s.input,
      outputTokens: s.output,
      streamedUsd: usd(s),
      batchUsd: usd(b) * BATCH_PRICE_SHARE,
    };
  } finally {
    await chat.stop();
    await api.stop();
  }
}
