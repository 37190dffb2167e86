// Rendering a comparison on hand-made figures: the terminal text, the Markdown comment (escaped, as
// file names and notes come from the repository), JUnit and JSON.
import assert from 'node:assert/strict';
import { COMPARE_JUNIT_CLASS, comparisonToJson, comparisonToJunit, comparisonToMarkdown, comparisonToText } from '../../../src/core/compareRender';
import type { CountComparison, SweepComparison } from '../../../src/core/compareReports';
import type { GateCheck } from '../../../src/core/gates';
import { junitSchemaErrors } from '../../support/junitSchema';

// 100 paired cases: EM 80% → 75% (6 turn wrong, 1 right); mean tokens 100 → 120.25; a new encoding;
// the recommendation is lost.
function sweep(o: Partial<SweepComparison> = {}): SweepComparison {
  const em = { before: 0.8, after: 0.75, delta: -0.05, relative: -0.0625 };
  const meanTokens = { before: 100, after: 120.25, delta: 20.25, relative: 0.2025 };
  return {
    kind: 'sweep',
    encoding: { before: 'o200k_base', after: 'cl100k_base' },
    cases: { before: 100, after: 100 },
    baseline: { em, meanTokens },
    paired: { matched: 100, onlyBefore: 0, onlyAfter: 0, em, emCi95: [-0.12, 0.006], flipsToWrong: 6, flipsToRight: 1, meanTokens, tokensCi95: [18.04, 22.46] },
    unpairedReason: null,
    recommendation: { before: { policy: 'cutoff:64', em: 0.7, deltaEm: -0.01, ci95: [-0.03, 0.01], meanTokens: 50, savings: 0.5 }, after: null, samePolicy: false },
    promptTokens: null,
    notes: [],
    ...o,
  };
}

// Four files (one unchanged, one grown, one new, one removed) and two literals, one of them grown.
const count: CountComparison = {
  kind: 'count',
  encoding: { before: 'o200k_base', after: 'o200k_base' },
  total: { before: 1010, after: 1110, delta: 100, relative: 100 / 1010 },
  files: [
    { file: 'prompts/a.md', before: 100, after: 100, delta: 0 },
    { file: 'my_app|x.py', before: 900, after: 980, delta: 80 },
    { file: 'new.md', before: null, after: 30, delta: 30 },
    { file: 'gone.md', before: 10, after: null, delta: -10 },
  ],
  prompts: [
    { file: 'my_app|x.py', at: '22:5', kind: 'fstring', before: 70, after: 150, delta: 80 },
    { file: 'my_app|x.py', at: '5:9', kind: 'string', before: 40, after: 40, delta: 0 },
  ],
  notes: [],
};

const gates: GateCheck[] = [
  { gate: '--max-token-increase 10', pass: false, reason: 'gate --max-token-increase: tokens 100 → 120 (+20.0%), allowed <10%' },
  { gate: '--max-em-drop 10', pass: true, reason: 'gate --max-em-drop: fine_ok' },
];

describe('core/compareRender', () => {
  it('text: the paired sweep figures, the lost recommendation, notes and each gate', () => {
    const text = comparisonToText(sweep({ notes: ['paired on all 100 cases'] }), gates);
    assert.equal(
      text,
      [
        'sweep reports: 100 → 100 cases · o200k_base → cl100k_base',
        'baseline EM: 80.0% → 75.0% (−5.0 pts); paired on 100 cases: −5.0 pts, 95% CI −12.0…+0.6, flips right→wrong 6, wrong→right 1',
        'baseline output tokens (mean): 100 → 120.3 (+20.3%); paired: +20.3 per case, 95% CI +18.0…+22.5',
        'recommended policy: cutoff:64 → none',
        '  before: cutoff:64: −50% tokens, EM 70.0% (−1.0 pts, 95% CI −3.0…+1.0), 50 mean tokens',
        '  after:  none (no policy within the margin)',
        'note: paired on all 100 cases',
        'FAIL  gate --max-token-increase: tokens 100 → 120 (+20.0%), allowed <10%',
        'pass  gate --max-em-drop: fine_ok',
        '',
      ].join('\n'),
    );
  });

  it('text: unpaired, same encoding and policy, prompt tokens with a new or unchanged figure', () => {
    const same = { policy: 'cutoff:64', em: 0.7, deltaEm: 0, ci95: [0, 0] as [number, number], meanTokens: 50, savings: 0.5 };
    const text = comparisonToText(
      sweep({
        encoding: { before: 'o200k_base', after: 'o200k_base' },
        paired: null,
        unpairedReason: 'unpaired: the after report has no per-case results',
        recommendation: { before: same, after: same, samePolicy: true },
        promptTokens: { before: 0, after: 30, delta: 30, relative: null },
      }),
      [],
    );
    const lines = text.split('\n');
    assert.equal(lines[0], 'sweep reports: 100 → 100 cases · o200k_base');
    assert.equal(lines[1], 'baseline EM: 80.0% → 75.0% (−5.0 pts)');
    assert.equal(lines[3], 'unpaired: the after report has no per-case results');
    assert.equal(lines[4], 'recommended policy: unchanged');
    // No figure before: the change is "new", not an infinite percentage.
    assert.equal(lines[7], 'prompt tokens: 0 → 30 (new)');
    assert.match(comparisonToText(sweep({ promptTokens: { before: 0, after: 0, delta: 0, relative: null } }), []), /^prompt tokens: 0 → 0 \(±0%\)$/m);
  });

  it('text: a count comparison lists changed files and literals, signed and padded', () => {
    assert.equal(
      comparisonToText(count, []),
      [
        'count reports · o200k_base',
        'prompt tokens (total): 1010 → 1110 (+100, +9.9%)',
        'files: 3 changed, 1 unchanged',
        '    +80  my_app|x.py  900 → 980',
        '    +30  new.md  new, 30',
        '    −10  gone.md  removed, was 10',
        'prompt literals: 1 changed, 1 unchanged',
        '    +80  my_app|x.py:22:5 (fstring)  70 → 150',
        '',
      ].join('\n'),
    );
  });

  it('Markdown: escapes pipes, underscores and angle brackets so names cannot break the tables', () => {
    const md = comparisonToMarkdown(count, gates);
    assert.ok(md.startsWith('# Prompt Budget: what this change costs\n\n- count reports · o200k\\_base\n'));
    assert.match(md, /^\| \+80 \| my\\_app\\\|x\.py \| 900 \| 980 \|$/m);
    assert.match(md, /^\| \+30 \| new\.md \| — \| 30 \|$/m);
    assert.match(md, /^\| −10 \| gone\.md \| 10 \| — \|$/m);
    assert.match(md, /^\| \+80 \| my\\_app\\\|x\.py:22:5 \(fstring\) \| 70 \| 150 \|$/m);
    // The unchanged file and literal are left out of the table.
    assert.ok(!md.includes('prompts/a.md') && !md.includes('5:9'));
    // The gate's own "gate --x: " prefix is dropped in its row; its text is escaped.
    assert.match(md, /^\| `--max-token-increase 10` \| \*\*FAIL\*\*: tokens 100 → 120 \(\+20\.0%\), allowed \\<10% \|$/m);
    assert.match(md, /^\| `--max-em-drop 10` \| pass: fine\\_ok \|$/m);
    // Without a changed file the list says so instead of an empty table.
    const still = comparisonToMarkdown({ ...count, total: { before: 100, after: 100, delta: 0, relative: 0 }, files: [count.files[0]], prompts: [] }, []);
    assert.match(still, /^- files: 0 changed, 1 unchanged$/m);
    assert.ok(!still.includes('| change |') && !still.includes('| gate |'));
  });

  it('Markdown: sweep lines become escaped bullets, notes included', () => {
    const md = comparisonToMarkdown(sweep({ notes: ['ids like case_1 | case_2'] }), []);
    assert.match(md, /^- sweep reports: 100 → 100 cases · o200k\\_base → cl100k\\_base$/m);
    assert.match(md, /^- before: cutoff:64: −50% tokens/m);
    assert.match(md, /^- note: ids like case\\_1 \\\| case\\_2$/m);
  });

  it('JUnit: sweep properties and one case per gate, the failure with the first summary lines', async () => {
    const xml = comparisonToJunit(sweep(), gates);
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /<testsuite name="prompt-budget compare" tests="2" failures="1"/);
    for (const [name, value] of [
      ['kind', 'sweep'],
      ['paired', '100'],
      ['baseline.em.ci95Low', '-0.12'],
      ['baseline.meanTokens.after', '120.25'],
      ['recommendation.before', 'cutoff:64'],
      ['recommendation.after', 'none'],
    ]) {
      assert.ok(xml.includes(`<property name="${name}" value="${value}"/>`), name);
    }
    // Properties without a figure (no prompt tokens) are left out.
    assert.ok(!xml.includes('promptTokens.before'));
    assert.match(xml, /<failure message="gate --max-token-increase: tokens 100 → 120 \(\+20\.0%\), allowed &lt;10%" type="GateFailed">[^<]*\nsweep reports: [^<]*\nrecommended policy: cutoff:64 → none<\/failure>/);
    assert.match(xml, new RegExp(`<testcase name="--max-em-drop 10" classname="${COMPARE_JUNIT_CLASS.replace('.', '\\.')}" time="0">\\n {6}<system-out>gate --max-em-drop: fine_ok</system-out>`));
    // Unpaired: the CI bounds are absent and "paired" is false.
    const unpaired = comparisonToJunit(sweep({ paired: null, unpairedReason: 'unpaired' }), []);
    assert.ok(unpaired.includes('<property name="paired" value="false"/>') && !unpaired.includes('ci95Low'));
  });

  it('JUnit: a count comparison without gates is one passing case with the first four lines', async () => {
    const xml = comparisonToJunit(count, []);
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /<property name="kind" value="count"\/>\n {6}<property name="total.before" value="1010"\/>\n {6}<property name="total.after" value="1110"\/>\n {6}<property name="files" value="4"\/>/);
    assert.match(xml, /<testcase name="compare" classname="prompt-budget\.compare" time="0">\n {6}<system-out>count reports · o200k_base\nprompt tokens \(total\): 1010 → 1110 \(\+100, \+9\.9%\)\nfiles: 3 changed, 1 unchanged\n {4}\+80 {2}my_app\|x\.py {2}900 → 980<\/system-out>/);
  });

  it('JSON: the comparison as it is, with the gates added', () => {
    const c = sweep();
    const json = comparisonToJson(c, gates);
    assert.deepEqual(json, { ...c, gates });
    assert.deepEqual(Object.keys(json).slice(-1), ['gates']);
  });
});
