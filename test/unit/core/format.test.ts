// The one number formatter of the CLI and the UI: signs, rounding edges and units as the reader sees them.
import assert from 'node:assert/strict';
import {
  formatCi,
  formatCount,
  formatDeltaPts,
  formatEm,
  formatMeanTokens,
  formatP,
  formatSavings,
  formatSignedPts,
  formatUsd,
  pct,
  points,
  signedPoints,
  signedPts,
  tokenChange,
} from '../../../src/core/format';

describe('core/format', () => {
  it('writes fractions as points with a real minus sign, and no sign on zero', () => {
    assert.equal(pct(0.8104), '81.0');
    assert.equal(pct(0.8104, 2), '81.04');
    // A value that rounds to zero prints without a sign: "−0.0" would suggest a loss that is not there.
    assert.deepEqual([-0.028, 0.004, 0, -0.0004, -0.00049].map((x) => signedPts(x)), ['−2.8', '+0.4', '0.0', '0.0', '0.0']);
    assert.equal(signedPts(-0.01234, 2), '−1.23');
    assert.equal(formatSignedPts(0.125), '+12.5');
    assert.equal(formatEm(1), '100.0');
    assert.equal(formatDeltaPts(-0.028), '−2.8 pts');
    assert.equal(formatCi([-0.041, 0.015]), '−4.1…+1.5');
  });

  it('writes savings as the change in tokens', () => {
    // Savings are shown as the change in tokens, so positive savings print with a minus sign.
    // Whole percents, except where rounding would read as no change or as everything saved.
    assert.deepEqual([0.38, 0, 0.004, -0.05, 0.995, 1, 0.0004, -0.003].map(tokenChange), ['−38%', '±0%', '−0.4%', '+5%', '−99.5%', '−100%', '±0%', '+0.3%']);
    assert.equal(formatSavings(0.38), tokenChange(0.38));
  });

  it('writes p-values with three decimals, 1 near one and <0.001 near zero', () => {
    assert.deepEqual([1, 0.9996, 0.9994, 0.0312, 0.001, 0.00099].map(formatP), ['1', '1', '0.999', '0.031', '0.001', '<0.001']);
  });

  it('writes token counts with separators, and small means with one decimal', () => {
    assert.equal(formatCount(1234567.4), '1,234,567');
    assert.equal(formatCount(0), '0');
    assert.deepEqual([0, 42.25, 99.94, 100, 1234.5].map(formatMeanTokens), ['0.0', '42.3', '99.9', '100', '1,235']);
  });

  it('writes dollars with enough digits for tiny per-call costs', () => {
    // Below a dollar, three significant digits, at most eight decimals.
    assert.deepEqual([0, 12.345, 1, 0.5, 0.0123, 0.00123, 1e-12, -0.25].map(formatUsd), ['$0', '$12.35', '$1.00', '$0.500', '$0.0123', '$0.00123', '$0.00000000', '−$0.250']);
  });

  it('writes points in prose without a trailing .0, as the recommendation, per-tag and cases-to-add sentences use them', () => {
    // 0.01 is the default margin: "1 point", not "1.0 points".
    assert.deepEqual([0.01, 0.25, 0.042, 0.0004, 1].map(points), ['1', '25', '4.2', '0', '100']);
    // Anything that rounds to 0.0 is unsigned, so a tiny loss never reads as "−0".
    assert.deepEqual([-0.028, 0.004, 0, -0.0004].map(signedPoints), ['\u22122.8', '+0.4', '0', '0']);
  });
});
