// The renderings of one real sweep (300 GSM8K cases): each format must carry the row figures unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { formatCi, pct, signedPts, tokenChange } from '../../../src/core/format';
import { recommendationLine, rowEffect, THINKING_SPLIT_TOOLTIP, thinkingSplit, sweepToCsv, sweepToJson, sweepToMarkdown, sweepToTable } from '../../../src/core/report';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { SweepResult } from '../../../src/core/types';

const DATA = path.resolve(__dirname, '../../../../shared/data');

describe('core/report', () => {
  let result: SweepResult;

  before(() => {
    const file = path.join(DATA, 'gsm8k_faithfulcot_gpt4_cot.jsonl');
    const cases = parseTestSet(readFileSync(file), { fileName: file }).cases.slice(0, 300);
    // skipped = 2 must show in the summary line as given.
    result = runSweep(cases, 2, {
      encoding: 'o200k_base',
      engine: 'gpt-tokenizer',
      extract: { preset: 'last-number' },
      match: { preset: 'numeric' },
      policies: [{ kind: 'cutoff', tokens: 96 }, { kind: 'cutoff', tokens: 256 }, { kind: 'marker', grace: 0 }],
      margin: 0.01,
      seed: 1,
      resamples: 200,
      folds: 0,
    });
  });

  it('rowEffect and recommendationLine read like the panel', () => {
    const row = result.rows[1];
    assert.equal(rowEffect(result, row), `${tokenChange(row.savings)} tokens · EM ${pct(result.baseline.em)} → ${pct(row.em)} (${signedPts(row.deltaEm)} pts, 95% CI ${formatCi(row.ci95)})`);
    const rec = result.rows.find((r) => r.policy === result.recommendation?.policy);
    assert.equal(recommendationLine(result), rec ? `${rec.label}: ${rowEffect(result, rec)}` : 'no policy stays within −1.0 pts');
    // Without a recommendation the line says why: no cases at all, or no policy within the margin.
    assert.equal(recommendationLine({ ...result, recommendation: null, cases: 0 }), 'no cases with traces to evaluate');
    assert.equal(recommendationLine({ ...result, recommendation: null }), 'no policy stays within −1.0 pts');
  });

  it('thinkingSplit gives the CodeLens its thinking and answer tokens on thinking traces, nothing on short chain-of-thought', () => {
    assert.equal(thinkingSplit(result, result.rows[0]), null);
    const file = path.join(DATA, 'gsm8k_thoughtology_deepseek_r1.jsonl');
    const r1 = runSweep(parseTestSet(readFileSync(file), { fileName: file }).cases.slice(0, 50), 0, {
      encoding: 'o200k_base',
      engine: 'gpt-tokenizer',
      extract: { preset: 'boxed' },
      match: { preset: 'numeric' },
      policies: [{ kind: 'cutoff', tokens: 1024 }],
      margin: 0.01,
      seed: 1,
      resamples: 50,
      folds: 0,
    });
    assert.equal(r1.thinkingTraces, 50);
    const [full, cut] = r1.rows;
    assert.equal(thinkingSplit(r1, full), `thinking ${Math.round(full.meanThinkingTokens ?? NaN).toLocaleString('en-US')} · answer ${Math.round(full.meanAnswerTokens ?? NaN)} tokens`);
    assert.match(thinkingSplit(r1, full) ?? '', /^thinking 1,\d{3} · answer \d{3} tokens$/);
    // A cut at 1,024 tokens keeps at most 1,024, nearly all of it thinking.
    assert.match(thinkingSplit(r1, cut) ?? '', /^thinking (\d{3}|1,0[0-2]\d) · answer \d{1,3} tokens$/);
    assert.match(THINKING_SPLIT_TOOLTIP, /Thinking tokens: .*close tag.*Answer tokens: kept tokens after the close tag/);
  });

  it('sweepToCsv has one row per policy whose cells are the row figures', () => {
    // Read back with a real CSV parser, so the quoting is checked too.
    const records = parseCsv(sweepToCsv(result), { columns: true }) as Record<string, string>[];
    assert.deepEqual(records.map((r) => r.policy), ['full', 'cutoff:96', 'cutoff:256', 'marker:0']);
    result.rows.forEach((row, i) => {
      const r = records[i];
      assert.equal(r.label, row.label);
      assert.equal(Number(r.em), row.em);
      assert.deepEqual([Number(r.ci95Low), Number(r.ci95High)], row.ci95);
      assert.equal(Number(r.savings), row.savings);
      assert.equal(r.recommended, row.policy === result.recommendation?.policy ? '1' : '0');
    });
  });

  it('sweepToTable aligns its columns and marks the recommendation', () => {
    const lines = sweepToTable(result).trimEnd().split('\n');
    assert.match(lines[0], /^300 cases scored, 2 skipped · tokens: o200k_base \(gpt-tokenizer\) · extract last-number · match numeric$/);
    const header = lines.findIndex((l) => l.startsWith('  policy'));
    const body = lines.slice(header + 1);
    assert.equal(body.length, 4);
    // Every column is padded to one width and the last is right-aligned, so all lines are equally long.
    for (const l of body) assert.equal(l.length, lines[header].length, l);
    const rec = result.recommendation?.policy;
    for (const l of body) assert.equal(l.startsWith('▶ '), rec !== undefined && l.slice(2).startsWith(`${rec} `));
  });

  it('sweepToMarkdown escapes table characters and bolds the recommendation', () => {
    // A policy name with a pipe would break the table unless escaped.
    const md = sweepToMarkdown({ ...result, rows: result.rows.map((r, i) => (i === 1 ? { ...r, policy: 'a|b' } : r)) });
    assert.ok(md.startsWith('# Prompt Budget sweep\n\n- 300 cases scored'));
    assert.ok(md.includes('| a\\|b |'));
    assert.ok(md.includes('| policy | mean tok | p95 tok | savings | EM % | ΔEM pts | 95% CI | McNemar p | flips −/+ | cut before answer |'));
    const rec = result.recommendation?.policy;
    if (rec) assert.ok(md.includes(`| **${rec}** (recommended) |`));
  });

  it('sweepToJson keeps the documented contract and passes new fields through', () => {
    // Fields added to SweepResult later must reach --format json without touching the renderer.
    const json = sweepToJson({ ...result, extraField: 7 } as SweepResult);
    for (const key of ['cases', 'skipped', 'encoding', 'engine', 'extract', 'match', 'margin', 'seed', 'resamples', 'baseline', 'rows', 'recommendation', 'power', 'crossValidation', 'warnings']) {
      assert.ok(key in json, key);
    }
    assert.equal(json.extraField, 7);
    assert.equal(json.cases, 300);
    const rows = json.rows as Record<string, unknown>[];
    assert.deepEqual(Object.keys(rows[1]).slice(0, 4), ['policy', 'label', 'em', 'correct']);
    assert.deepEqual(rows.map((r) => r.flipsToWrong), result.rows.map((r) => r.flipsToWrong));
  });
});
