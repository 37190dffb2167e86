// Comparing two reports (base vs pull request): paired by case id where possible, gated, and rendered as JUnit.
import { strict as assert } from 'node:assert';
import { checkCompareGates, compareReports, parseReport, type Comparison, type CountComparison, type SweepComparison } from '../../../src/core/compareReports';
import { comparisonToJunit, comparisonToMarkdown, comparisonToText } from '../../../src/core/compareRender';
import { pairedDifferenceCi } from '../../../src/core/pairedInterval';
import { junitSchemaErrors } from '../../support/junitSchema';

interface CaseSpec {
  id: string;
  correct: boolean;
  tokens: number;
}

/** A sweep report as `sweep --format json --cases` writes it, built from per-case outcomes. */
function sweepReport(cases: CaseSpec[], extra: Record<string, unknown> = {}, withCases = true): string {
  const correct = cases.filter((c) => c.correct).length;
  const meanTokens = cases.reduce((s, c) => s + c.tokens, 0) / cases.length;
  return JSON.stringify({
    cases: cases.length,
    skipped: 0,
    encoding: 'o200k_base',
    baseline: { em: correct / cases.length, meanTokens, correct },
    rows: [{ policy: 'full' }],
    recommendation: { policy: 'cutoff:64', em: 0.7, deltaEm: -0.01, ci95: [-0.03, 0.01], meanTokens: 50, savings: 0.5, margin: 0.01, reason: 'r' },
    ...(withCases ? { caseResults: cases.map((c) => ({ id: c.id, gold: ['1'], policies: { full: { stopToken: c.tokens, answer: '1', correct: c.correct, reason: 'ok' } } })) } : {}),
    ...extra,
  });
}

function parse(text: string) {
  const r = parseReport(text);
  if (!r.ok) throw new Error(r.reason);
  return r.report;
}

function compare(before: string, after: string): Comparison {
  const c = compareReports(parse(before), parse(after));
  if (typeof c === 'string') throw new Error(c);
  return c;
}

// 100 cases; before: 80 right with 100 tokens each. After: every case costs 120 tokens (+20%),
// 6 cases turn wrong and 1 turns right (EM 80% → 75%).
const ids = Array.from({ length: 100 }, (_, i) => `case-${i}`);
const before = ids.map((id, i) => ({ id, correct: i < 80, tokens: 100 }));
const after = ids.map((id, i) => ({ id, correct: (i < 80 && i >= 6) || i === 99, tokens: 120 }));

describe('compareReports', () => {
  it('reports a known token increase and EM drop, paired by case id, and fails both gates', () => {
    const c = compare(sweepReport(before), sweepReport(after, { recommendation: { policy: 'cutoff:96', em: 0.74, deltaEm: -0.01, ci95: [-0.02, 0], meanTokens: 90, savings: 0.25 } })) as SweepComparison;
    assert.equal(c.kind, 'sweep');
    assert.ok(c.paired);
    assert.equal(c.paired.matched, 100);
    assert.equal(c.paired.flipsToWrong, 6);
    assert.equal(c.paired.flipsToRight, 1);
    assert.equal(c.paired.em.before, 0.8);
    assert.equal(c.paired.em.after, 0.75);
    assert.ok(Math.abs(c.paired.em.delta + 0.05) < 1e-12);
    assert.deepEqual(c.paired.emCi95, pairedDifferenceCi(6, 1, 100), 'the paired interval is Tango\'s on the flips');
    assert.ok(c.paired.emCi95[0] < -0.05 && c.paired.emCi95[1] > -0.05);
    assert.equal(c.paired.meanTokens.delta, 20);
    assert.equal(c.paired.meanTokens.relative, 0.2);
    // Every case grew by exactly 20 tokens: no spread, so the interval is the point.
    assert.deepEqual(c.paired.tokensCi95, [20, 20]);
    assert.equal(c.recommendation.samePolicy, false);
    assert.equal(c.recommendation.after?.policy, 'cutoff:96');

    const checks = checkCompareGates(c, { maxTokenIncrease: 0.1, maxEmDrop: 0.02 });
    assert.deepEqual(
      checks.map((g) => [g.gate, g.pass]),
      [
        ['--max-token-increase 10', false],
        ['--max-em-drop 2', false],
      ],
    );
    assert.equal(checks[0].reason, 'gate --max-token-increase: baseline mean output tokens (paired, 100 cases) 100 → 120 (+20.0%), allowed +10.0%');
    assert.match(checks[1].reason, /^gate --max-em-drop: baseline EM 80\.0% → 75\.0% \(−5\.0 pts, paired on 100 cases, 95% CI −12\.0…\+0\.6\), allowed −2\.0$/);
    // Generous limits pass: the gate can go either way.
    assert.deepEqual(checkCompareGates(c, { maxTokenIncrease: 0.2, maxEmDrop: 0.05 }).map((g) => g.pass), [true, true]);
  });

  it('compares unpaired, and says so, when a report lacks per-case results', () => {
    const c = compare(sweepReport(before, {}, false), sweepReport(after)) as SweepComparison;
    assert.equal(c.paired, null);
    assert.equal(c.unpairedReason, 'unpaired: the before report has no per-case results (run the sweep with --format json --cases)');
    assert.equal(c.baseline.meanTokens.relative, 0.2);
    const [gate] = checkCompareGates(c, { maxTokenIncrease: 0.05 });
    assert.equal(gate.pass, false);
    assert.match(gate.reason, /\(unpaired\) 100 → 120 \(\+20\.0%\)/);
    assert.match(comparisonToText(c, []), /^unpaired: the before report/m);
  });

  it('pairs on the shared ids only and notes the rest', () => {
    const c = compare(sweepReport(before), sweepReport(after.slice(50).concat([{ id: 'new', correct: true, tokens: 10 }]))) as SweepComparison;
    assert.equal(c.paired?.matched, 50);
    assert.equal(c.paired?.onlyBefore, 50);
    assert.equal(c.paired?.onlyAfter, 1);
    assert.deepEqual(c.notes, ['paired on the 50 cases in both reports; 50 only before, 1 only after']);
  });

  it('gates prompt tokens when both sweep reports carry them', () => {
    const c = compare(sweepReport(before, { prompt: { file: 'p.md', tokens: 400 } }), sweepReport(before, { prompt: { file: 'p.md', tokens: 460 } })) as SweepComparison;
    // 460 / 400 − 1 = 15%, over the 10% limit; the output tokens did not move, so that gate passes.
    assert.deepEqual(c.promptTokens, { before: 400, after: 460, delta: 60, relative: 0.15 });
    const checks = checkCompareGates(c, { maxTokenIncrease: 0.1 });
    assert.deepEqual(checks.map((g) => g.pass), [true, false]);
    assert.equal(checks[1].reason, 'gate --max-token-increase: prompt tokens 400 → 460 (+15.0%), allowed +10.0%');
  });

  it('a prompt counted whole in one report and as its body in the other: said beside the change, gated on the whole file', () => {
    // A report made before front matter was excluded (130, the whole file) and one after (118 of body, 14 of front matter).
    const old = sweepReport(before, { prompt: { file: 'p.md', tokens: 130 } });
    const body = { file: 'p.md', tokens: 118, countedFrom: 'body', frontMatterTokens: 14, tokenizer: 'o200k_base' };
    const c = compare(old, sweepReport(before, { prompt: body })) as SweepComparison;
    assert.deepEqual(c.promptTokens, { before: 130, after: 118, delta: -12, relative: -12 / 130 });
    assert.deepEqual(c.promptCounting, {
      before: 'file',
      after: 'body',
      wholeFile: { before: 130, after: 132, delta: 2, relative: 2 / 130 },
      reason: 'counted differently, not a prompt change: the before report counted the whole file, the after report the body only (14 tokens of front matter excluded)',
    });
    const text = comparisonToText(c, []);
    assert.match(text, /^prompt tokens: 130 → 118 \(counted differently, not a prompt change: the before report counted the whole file, the after report the body only \(14 tokens of front matter excluded\)\)\n {2}the whole file on both sides: ≈130 → 132 \(\+1\.5%\)$/m);
    // The −9.2% would pass a 1% gate; on the same footing the file grew 1.5%, which fails it.
    const [, gate] = checkCompareGates(c, { maxTokenIncrease: 0.01 });
    assert.equal(gate.pass, false);
    assert.equal(gate.reason, 'gate --max-token-increase: prompt tokens (the whole file on both sides: the reports counted it differently) 130 → 132 (+1.5%), allowed +1.0%');
    assert.match(comparisonToMarkdown(c, []), /^- prompt tokens: 130 → 118 \(counted differently, not a prompt change: .*\)\n- the whole file on both sides: ≈130 → 132 \(\+1\.5%\)$/m);
    // The other way round, and in another tokenizer: named too.
    const back = compare(sweepReport(before, { prompt: { ...body, tokenizer: 'tokenizer-qwen3/models' } }), old) as SweepComparison;
    assert.equal(back.promptCounting?.reason, 'counted differently, not a prompt change: the before report counted the body only (14 tokens of front matter excluded), the after report the whole file, in tokenizer-qwen3/models → o200k_base');
    assert.deepEqual(back.promptCounting?.wholeFile, { before: 132, after: 130, delta: -2, relative: -2 / 132 });
    // Counted alike on both sides: a plain change, as before.
    const alike = compare(sweepReport(before, { prompt: body }), sweepReport(before, { prompt: { ...body, tokens: 120 } })) as SweepComparison;
    assert.equal(alike.promptCounting, undefined);
    assert.match(comparisonToText(alike, []), /^prompt tokens: 118 → 120 \(\+1\.7%\)$/m);
  });

  it('count reports: a file counted whole before and as its body after is marked, and the total is gated with every file whole', () => {
    const old = JSON.stringify({ encoding: 'o200k_base', tokenizer: 'o200k_base', files: [{ file: 'a.prompt.md', tokens: 130 }, { file: 'b.md', tokens: 50 }], total: 180 });
    const now = JSON.stringify({
      encoding: 'o200k_base',
      tokenizer: 'o200k_base',
      files: [{ file: 'a.prompt.md', tokens: 118, countedFrom: 'body', frontMatterTokens: 14, tokenizer: 'o200k_base' }, { file: 'b.md', tokens: 50 }],
      total: 168,
    });
    const c = compare(old, now) as CountComparison;
    assert.deepEqual(c.files[0].counting?.wholeFile, { before: 130, after: 132, delta: 2, relative: 2 / 130 });
    assert.equal(c.files[1].counting, undefined);
    assert.deepEqual(c.wholeFileTotal, { before: 180, after: 182, delta: 2, relative: 2 / 180 });
    assert.deepEqual(c.notes, ['1 file(s) were counted as the whole file in one report and as the body in the other; the total with every file whole on both sides: 180 → 182']);
    const [gate] = checkCompareGates(c, { maxTokenIncrease: 0.01 });
    assert.equal(gate.reason, 'gate --max-token-increase: prompt tokens (total, every file whole on both sides) 180 → 182 (+1.1%), allowed +1.0%');
    assert.equal(gate.pass, false);
    assert.match(comparisonToText(c, [gate]), /^ {4}−12 {2}a\.prompt\.md {2}130 → 118 {2}\(counted differently, not a prompt change: the before report counted the whole file, the after report the body only \(14 tokens of front matter excluded\); the whole file on both sides: ≈130 → 132 \(\+1\.5%\)\)$/m);
  });

  it('count reports: per file and per prompt literal, the total gated', () => {
    const countBefore = JSON.stringify({
      encoding: 'o200k_base',
      files: [
        { file: 'prompts/a.md', tokens: 100 },
        { file: 'app.py', tokens: 900, prompts: [{ line: 3, column: 9, tokens: 40, kind: 'string' }, { line: 20, column: 5, tokens: 70, kind: 'fstring' }] },
        { file: 'gone.md', tokens: 10 },
      ],
      total: 1010,
    });
    const countAfter = JSON.stringify({
      encoding: 'o200k_base',
      files: [
        { file: 'prompts/a.md', tokens: 100 },
        { file: 'app.py', tokens: 980, prompts: [{ line: 5, column: 9, tokens: 40, kind: 'string' }, { line: 22, column: 5, tokens: 150, kind: 'fstring' }] },
        { file: 'new.md', tokens: 30 },
      ],
      total: 1110,
    });
    const c = compare(countBefore, countAfter) as CountComparison;
    assert.deepEqual(c.total, { before: 1010, after: 1110, delta: 100, relative: 100 / 1010 });
    assert.deepEqual(
      c.files.map((f) => [f.file, f.before, f.after, f.delta]),
      [
        ['prompts/a.md', 100, 100, 0],
        ['app.py', 900, 980, 80],
        ['new.md', null, 30, 30],
        ['gone.md', 10, null, -10],
      ],
    );
    // Two literals before and after: matched in order although lines moved.
    assert.deepEqual(
      c.prompts.map((p) => [p.at, p.before, p.after, p.delta]),
      [
        ['5:9', 40, 40, 0],
        ['22:5', 70, 150, 80],
      ],
    );
    const [gate] = checkCompareGates(c, { maxTokenIncrease: 0.05 });
    // 100 more tokens on 1010 is +9.9%: app.py's +80, new.md's +30 and gone.md's −10.
    assert.equal(gate.reason, 'gate --max-token-increase: prompt tokens (total) 1010 → 1110 (+9.9%), allowed +5.0%');
    assert.equal(gate.pass, false);
    const text = comparisonToText(c, [gate]);
    assert.match(text, /^ {4}\+80 {2}app\.py:22:5 \(fstring\) {2}70 → 150$/m);
    assert.match(text, /^ {4}−10 {2}gone\.md {2}removed, was 10$/m);
    assert.match(comparisonToMarkdown(c, [gate]), /\| \+80 \| app\.py:22:5 \(fstring\) \| 70 \| 150 \|/);
  });

  it('rejects what it cannot read with the reason', () => {
    const reason = (t: string) => {
      const r = parseReport(t);
      return r.ok ? 'ok' : r.reason;
    };
    assert.match(reason('{oops'), /^not JSON \(/);
    assert.equal(reason('[1]'), 'expected a JSON object');
    assert.match(reason('{"a":1}'), /^neither a sweep report/);
    assert.equal(reason('{"rows":[],"baseline":{"em":1},"cases":1}'), 'baseline must have em, meanTokens and correct');
    assert.equal(reason(sweepReport(before).replace('"caseResults":[{"id":"case-0"', '"caseResults":[{"id":7')), 'caseResults[0] must have an id and policies.full with correct and stopToken');
    assert.equal(reason('{"files":[{"file":"a","tokens":"x"}]}'), 'files[0] must have file and tokens');
    const mixed = compareReports(parse(sweepReport(before)), parse('{"files":[],"total":0}'));
    assert.equal(mixed, 'cannot compare a sweep report with a count report');
  });

  it('writes schema-valid JUnit with one case per gate, or one passing case without gates', async () => {
    const c = compare(sweepReport(before), sweepReport(after));
    const failing = comparisonToJunit(c, checkCompareGates(c, { maxTokenIncrease: 0.1, maxEmDrop: 0.1 }));
    assert.deepEqual(await junitSchemaErrors(failing), []);
    // Tokens +20% fail the 10% gate; EM −5 points passes the 10-point one.
    assert.match(failing, /tests="2" failures="1"/);
    assert.match(failing, /<failure message="gate --max-token-increase: baseline mean output tokens \(paired, 100 cases\) 100 → 120 \(\+20\.0%\), allowed \+10\.0%"/);
    assert.match(failing, /<property name="baseline.meanTokens.after" value="120"\/>/);
    const plain = comparisonToJunit(c, []);
    assert.deepEqual(await junitSchemaErrors(plain), []);
    assert.match(plain, /tests="1" failures="0"/);
    assert.match(plain, /<testcase name="compare" classname="prompt-budget.compare"/);
  });
});
