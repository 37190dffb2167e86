import assert from 'node:assert/strict';
import { batchOffer, livePath, type PendingBatch } from '../../../../src/core/live/batchChoice';

describe('core/live/batchChoice: stream or batch in the editor', () => {
  const prices = { inputPer1M: 2.5, outputPer1M: 10 };

  it('offers the batch from the threshold on, with the half-price difference as an upper bound', () => {
    // 400 cases × (default + 1 arm) = 800 requests at up to 1,024 output tokens: 800·1024·$10/1M = $8.19.
    const o = batchOffer({ requests: 800, threshold: 500, maxTokens: 1024, prices });
    assert.equal(o.offer, true);
    assert.ok(Math.abs(o.streamedUsd - 8.192) < 1e-9);
    assert.ok(Math.abs(o.batchUsd - 4.096) < 1e-9);
    assert.equal(o.text, '800 requests: up to $8.19 streamed, up to $4.10 through the OpenAI Batch API (half price, results within 24 h)');
    const withPrompts = batchOffer({ requests: 800, threshold: 500, maxTokens: 1024, prices, promptTokens: 200_000 });
    assert.ok(Math.abs(withPrompts.streamedUsd - (8.192 + 0.5)) < 1e-9);
    assert.equal(batchOffer({ requests: 499, threshold: 500, maxTokens: 1024, prices }).offer, false);
    assert.equal(batchOffer({ requests: 500, threshold: 500, maxTokens: 1024, prices }).offer, true);
    assert.equal(batchOffer({ requests: 10_000, threshold: 0, maxTokens: 1024, prices }).offer, false, '0 never offers');
    assert.equal(batchOffer({ requests: 10_000, threshold: 500, maxTokens: 1024, prices, needsTraces: true }).offer, false, 'forced answers and probes need a second batch');
    assert.match(batchOffer({ requests: 100_000, threshold: 500, maxTokens: 4096, prices }).text, /up to \$4,096 streamed, up to \$2,048 through/);
  });

  it('resumes a pending batch of the same test set and server, never submitting it again', () => {
    const pending: PendingBatch = { batchId: 'batch_1', source: 'file:///w/tests.jsonl', out: 'file:///w/tests.traces.jsonl', baseUrl: 'https://api.example.test/v1/', requests: 800, submittedAt: '2026-12-07T19:00:00.000Z', withKey: true };
    const small = { offer: false };
    const large = { offer: true };
    assert.equal(livePath(pending, 'file:///w/tests.jsonl', 'https://api.example.test/v1', small), 'resume');
    assert.equal(livePath(pending, 'file:///w/other.jsonl', 'https://api.example.test/v1', small), 'stream');
    assert.equal(livePath(pending, 'file:///w/other.jsonl', 'https://api.example.test/v1', large), 'ask');
    assert.equal(livePath(pending, 'file:///w/tests.jsonl', 'http://127.0.0.1:8000/v1', large), 'ask', 'another server: the pending batch is not there');
    assert.equal(livePath(undefined, 'file:///w/tests.jsonl', 'https://api.example.test/v1', large), 'ask');
    assert.equal(livePath(undefined, 'file:///w/tests.jsonl', 'https://api.example.test/v1', small), 'stream');
  });
});
