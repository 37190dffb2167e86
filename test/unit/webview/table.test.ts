// The sweep table's view-model on a real sweep: 120 GSM8K GPT-4 traces (see fixture.ts), with
// figures checked by hand against the case counts.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { armBadge, rowNote, rowWarning, tableKey, tableView } from '../../../src/webview/table';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { GSM8K, viewState } from './fixture';

describe('sweep table', () => {
  const v = viewState({ selectedPolicy: 'cutoff:128' });
  const view = tableView(v.sweep!, v);

  it('orders rows by the sort state (mean tokens ascending by default)', () => {
    // Cutoffs first (fewest tokens), the dynamic rules next, full length last.
    assert.deepEqual(
      view.rows.map((r) => r.policy),
      ['cutoff:32', 'cutoff:64', 'cutoff:96', 'cutoff:128', 'stability:16x2', 'marker:0', 'full'],
    );
    // By EM from the top: full (110/120), marker (109), stability (108).
    const byEm = tableView(v.sweep!, { ...v, sort: { key: 'em', descending: true } });
    assert.deepEqual(byEm.rows.map((r) => r.policy).slice(0, 3), ['full', 'marker:0', 'stability:16x2']);
  });

  it('formats each cell of a row: 94 of 120 right under cutoff 128 against 110 at full length', () => {
    const row = view.rows.find((r) => r.policy === 'cutoff:128')!;
    // mean 94.39 tokens; 1 − 94.39/103.03 = 8.4% fewer; (94 − 110)/120 = −13.3 points; $ = (120·2.5 + 94.39·10)/1e6
    assert.deepEqual(row.cells, ['cutoff 128', '94.4', '128', '−8%', '78.3% · 94/120', '−13.3 (−20.8…−8.2)', '<0.001', '0', '$0.00124']);
    assert.deepEqual([row.selected, row.recommended, row.baseline], [true, false, false]);
    // Full length is the baseline: no change, an empty interval, and (nothing beat it) the recommendation.
    const full = view.rows.find((r) => r.policy === 'full')!;
    assert.deepEqual(full.cells, ['full length', '103', '189', '±0%', '91.7% · 110/120', '0.0 (0.0…0.0)', '1', '0', '$0.00133']);
    assert.deepEqual(view.rows.map((r) => r.note), view.rows.map(() => null), 'no thinking traces: no intermediate-answer note');
    assert.deepEqual([full.selected, full.recommended, full.baseline], [false, true, true]);
  });

  it('marks the sorted column with an arrow and aria-sort; $/call does not sort', () => {
    assert.deepEqual(
      view.headers.map((h) => [h.label, h.ariaSort]),
      [['Policy', 'none'], ['Mean tok ▲', 'ascending'], ['p95 tok', 'none'], ['Tokens', 'none'], ['EM', 'none'], ['ΔEM (95% CI)', 'none'], ['p', 'none'], ['Cut', 'none'], ['$/call', undefined]],
    );
    const desc = tableView(v.sweep!, { ...v, sort: { key: 'em', descending: true } });
    assert.equal(desc.headers.find((h) => h.key === 'em')!.label, 'EM ▼');
  });

  it('is rebuilt for a new sort, selection or price, never for progress', () => {
    // main.ts compares these keys to decide which sections to rebuild.
    const key = tableKey(v);
    assert.equal(tableKey({ ...v, running: { done: 3, total: 120 } }), key);
    assert.equal(tableKey({ ...v, message: { kind: 'info', text: 'x' } }), key);
    assert.notEqual(tableKey({ ...v, selectedPolicy: 'full' }), key);
    assert.notEqual(tableKey({ ...v, sort: { key: 'em', descending: true } }), key);
    assert.notEqual(tableKey({ ...v, prices: { inputPer1M: 1, outputPer1M: 10 } }), key);
  });

  it('adds thinking and answer columns when rows carry them, and notes intermediate-answer stops', () => {
    const sweep = v.sweep!;
    // As a sweep of thinking traces reports them: kept tokens split at the close tag.
    const rows = sweep.result.rows.map((r) =>
      r.policy === 'cutoff:64'
        ? { ...r, meanThinkingTokens: 58.25, p95ThinkingTokens: 64, meanAnswerTokens: 4.3, p95AnswerTokens: 12, intermediateStops: 17 }
        : { ...r, meanThinkingTokens: 812, p95ThinkingTokens: 1540, meanAnswerTokens: 96, p95AnswerTokens: 210, intermediateStops: 0 },
    );
    const withThinking = tableView({ ...sweep, result: { ...sweep.result, rows } }, v);
    assert.deepEqual(withThinking.headers.map((h) => h.label).slice(0, 6), ['Policy', 'Mean tok ▲', 'p95 tok', 'Thinking', 'Answer', 'Tokens']);
    const r64 = withThinking.rows.find((r) => r.policy === 'cutoff:64')!;
    assert.deepEqual(r64.cells.slice(3, 5), ['58.3 / 64', '4.3 / 12']);
    assert.equal(r64.note, '17 stops used an intermediate answer (read inside the thinking)');
    assert.deepEqual(withThinking.rows.find((r) => r.policy === 'full')!.cells.slice(3, 5), ['812 / 1,540', '96.0 / 210']);
    assert.equal(rowNote({ ...rows[0], intermediateStops: 1 }), '1 stop used an intermediate answer (read inside the thinking)');
    assert.equal(rowNote(rows[0]), null);
  });

  it('adds the probe and forced columns when rows carry them, blank on the other rows', () => {
    const sweep = v.sweep!;
    // As a sweep with recorded probes and forced answers reports them (see core/sweepProbes.test.ts).
    const rows = sweep.result.rows.map((r) => (r.policy === 'stability:16x2' ? { ...r, meanProbeTokens: 12.25 } : r.policy === 'marker:0' ? { ...r, meanForcedTokens: 1 } : r));
    const view2 = tableView({ ...sweep, result: { ...sweep.result, rows } }, v);
    assert.deepEqual(view2.headers.map((h) => h.label).slice(0, 6), ['Policy', 'Mean tok ▲', 'p95 tok', 'Probes', 'Forced', 'Tokens']);
    const cells = (policy: string): string[] => view2.rows.find((r) => r.policy === policy)!.cells.slice(3, 5);
    assert.deepEqual(cells('stability:16x2'), ['12.3', '']);
    assert.deepEqual(cells('marker:0'), ['', '1.0']);
    assert.deepEqual(cells('full'), ['', '']);
    const onlyForced = tableView({ ...sweep, result: { ...sweep.result, rows: rows.map(({ meanProbeTokens: _p, ...r }) => r) } }, v);
    assert.deepEqual(onlyForced.headers.map((h) => h.label).slice(3, 5), ['Forced', 'Tokens']);
  });

  it('marks arm rows with a badge, and an ignored arm with its warning', () => {
    // 60 real traces with two arms: `same` (the recorded trace again: ignored) and `short` (its first 40 tokens).
    const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
    const text = readFileSync(GSM8K, 'utf8').split('\n').slice(0, 60).map((l) => {
      const row = JSON.parse(l) as { output: string };
      const short = cutText(row.output, tokenizeWithOffsets(tok, row.output), 40);
      return JSON.stringify({ ...row, arms: { same: { output: row.output }, short: { output: short } } });
    });
    const { cases } = parseTestSet(text.join('\n'), { fileName: 'arms.jsonl' });
    const { options } = resolveSweepOptions(undefined, { cutoffs: [64], folds: 0 });
    const { caseResults: _drop, ...result } = runSweep(cases, 0, options);
    const armView = tableView({ ...v.sweep!, result }, { ...v, selectedPolicy: null });
    const marks = Object.fromEntries(armView.rows.map((r) => [r.policy, [r.arm?.text ?? null, r.warning]]));
    assert.deepEqual(marks['full'], [null, null]);
    assert.deepEqual(marks['cutoff:64'], [null, null]);
    assert.equal(marks['arm:short'][0], 'arm');
    assert.equal(marks['arm:short'][1], null, 'a 40-token arm changed the counts');
    assert.equal(marks['arm:same'][0], 'arm');
    assert.match(String(marks['arm:same'][1]), /^⚠ no effect: arm same looks ignored: its tokens differ from the baseline's by \+0\.0 tokens per case/);
    const same = result.rows.find((r) => r.policy === 'arm:same')!;
    assert.equal(armView.rows.find((r) => r.policy === 'arm:same')!.cells[0], 'arm same');
    assert.match(armBadge(same)!.tip, /^Provider setting "same"/);
    assert.equal(rowWarning({ ...same, noEffect: undefined }), null);
  });
});
