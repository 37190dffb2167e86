// The UI's formatting must print the same figures as the CLI report.
import * as assert from 'node:assert/strict';
import { recommendationLine, signedPts, tokenChange, formatP as coreFormatP } from '../../../src/core/report';
import type { SweepResult } from '../../../src/core/types';
import { costPerCall, formatCi, formatEmCount, formatCount, formatDeltaPts, formatEm, formatMeanTokens, formatP, formatSavings, formatSignedPts, formatTokenCount, formatUsd, promptLensTitle } from '../../../src/shared/format';

describe('shared number formatting', () => {
  it('prints EM, points and intervals with a real minus sign', () => {
    assert.equal(formatEm(0.8104), '81.0');
    assert.equal(formatDeltaPts(-0.028), '−2.8 pts');
    assert.equal(formatDeltaPts(0.004), '+0.4 pts');
    assert.equal(formatDeltaPts(0), '0.0 pts');
    assert.equal(formatCi([-0.041, -0.015]), '−4.1…−1.5');
  });

  it('prints EM with the count it comes from', () => {
    assert.equal(formatEmCount(94 / 110, 94, 110), '85.5% · 94/110');
    assert.equal(formatEmCount(1234 / 1319, 1234, 1319), '93.6% · 1,234/1,319');
    assert.equal(formatEmCount(0, 0, 40), '0.0% · 0/40');
  });

  it('agrees with the CLI report on signed points, token change and p-values', () => {
    for (const x of [-0.0285, -0.0015, 0, 0.0005, 0.0125, -0.91, 0.333333]) assert.equal(formatSignedPts(x), signedPts(x));
    for (const s of [0.38, 0, 0.004, -0.05, 0.995]) assert.equal(formatSavings(s), tokenChange(s));
    for (const p of [1, 0.9999, 0.5, 0.0312, 0.001, 0.0009]) assert.equal(formatP(p), coreFormatP(p));
  });

  it('formats counts, means and costs', () => {
    assert.equal(formatCount(12345.4), '12,345');
    assert.equal(formatMeanTokens(83.19), '83.2');
    assert.equal(formatMeanTokens(1234.5), '1,235');
    // ≈ when part of the count was estimated (a huge unspaced run).
    assert.equal(formatTokenCount(1200, true), '≈1,200 tokens');
    // A prompt file's lens: its body and tokenizer, then the as-sent figure when a chat format applies.
    assert.equal(promptLensTitle({ count: 24, approximate: false }, 'tokenizer-qwen3/models', 33), 'Prompt: 24 tokens (tokenizer-qwen3/models) · as sent 33');
    assert.equal(promptLensTitle({ count: 1234, approximate: true }, 'o200k_base'), 'Prompt: ≈1,234 tokens (o200k_base)');
    assert.equal(promptLensTitle({ count: 0, approximate: false }, 'cl100k_base', 7), 'Prompt: 0 tokens (cl100k_base) · as sent 7');
    // 1,000 in at $2.50/M plus 500 out at $10/M.
    assert.equal(costPerCall(1000, 500, { inputPer1M: 2.5, outputPer1M: 10 }), 0.0075);
    assert.equal(formatUsd(0.0075), '$0.00750');
    assert.equal(formatUsd(0.00123), '$0.00123');
    assert.equal(formatUsd(12.345), '$12.35');
    assert.equal(formatUsd(0), '$0');
  });

  it('builds the recommendation line the CodeLens shows from the core report', () => {
    const result = {
      cases: 200,
      margin: 0.03,
      baseline: { em: 0.81, meanTokens: 800, correct: 162 },
      rows: [{ policy: 'cutoff:512', label: 'cutoff 512', em: 0.782, deltaEm: -0.028, ci95: [-0.041, -0.015], savings: 0.38 }],
      recommendation: { policy: 'cutoff:512' },
    } as unknown as SweepResult;
    assert.equal(recommendationLine(result), 'cutoff 512: −38% tokens · EM 81.0 → 78.2 (−2.8 pts, 95% CI −4.1…−1.5)');
  });
});
