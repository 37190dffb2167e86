// settledText(): what a caller may show while the stream runs (the proxy forwards its thinking) must be a prefix of
// the text the decision finally keeps, for every policy kind, however the stream is chunked and whenever probes answer.
import assert from 'node:assert/strict';
import { toExportedPolicy } from '../../../src/core/policyExport';
import { policyName } from '../../../src/core/policies';
import type { PolicySpec } from '../../../src/core/types';
import { createStopper } from '../../../src/runtime/createStopper';
import { createPolicyRun } from '../../../src/runtime/createPolicyRun';
import { readRows, seededCuts, SWEEP_POLICIES, THINKING_DATA_SETS, THINKING_POLICIES } from './parityHelpers';

const SETTINGS = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'numeric' } } as const;

/** The pieces of `text` at `cuts`. */
function pieces(text: string, cuts: readonly number[]): string[] {
  const out: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut <= from) continue;
    out.push(text.slice(from, cut));
    from = cut;
  }
  return out;
}

/** Every settled text is a prefix of the kept text, and they never shrink; returns how much was settled before the end. */
function assertPrefixes(settled: readonly string[], kept: string, where: string): number {
  let last = 0;
  for (const s of settled) {
    assert.ok(s.length >= last, `${where}: settled text shrank (${s.length} after ${last})`);
    assert.ok(kept.startsWith(s), `${where}: settled text of ${s.length} chars is not a prefix of the kept ${kept.length}`);
    last = s.length;
  }
  return last;
}

describe('runtime settledText: a prefix of the kept text at every point of the stream', function () {
  this.timeout(300_000);

  it('text policies (cutoffs, stability, settled, marker, full) on reasoning traces, ragged chunks', () => {
    const policies: PolicySpec[] = [...THINKING_POLICIES, ...SWEEP_POLICIES.filter((p) => p.kind !== 'full' && p.kind !== 'cutoff')];
    let checks = 0;
    for (const { file } of THINKING_DATA_SETS) {
      readRows(file)
        .slice(0, 6)
        .forEach((row, i) => {
          const chunks = pieces(row.output, seededCuts(row.output.length, i * 31 + 7, 64));
          for (const spec of policies) {
            const stopper = createStopper(toExportedPolicy(spec, SETTINGS));
            const settled: string[] = [];
            let stopped = false;
            for (const c of chunks) {
              stopped = stopper.push(c).stop;
              settled.push(stopper.settledText());
              if (stopped) break;
            }
            const beforeEnd = settled[settled.length - 1]?.length ?? 0;
            if (!stopped) stopper.finish();
            const kept = stopper.keptText();
            assertPrefixes(settled, kept, `${file} #${i} ${policyName(spec)}`);
            // Streamed to the end, only the last few characters (a token still open) were held back.
            if (spec.kind === 'full') assert.ok(beforeEnd === row.output.length || (!stopped && row.output.length - beforeEnd < 40), `${file} #${i}: ${beforeEnd} of ${row.output.length} settled`);
            checks++;
          }
        });
    }
    assert.equal(checks, 12 * (THINKING_POLICIES.length + SWEEP_POLICIES.filter((p) => p.kind !== 'full' && p.kind !== 'cutoff').length));
  });

  it('budget and probe runs: never past K thinking tokens, never past a probe boundary still waiting for its answer', async () => {
    const rows = readRows('math_thoughtanchors_r1distill_think.jsonl').slice(0, 6);
    for (const name of ['budget:512', 'probe:256x2', 'probe-settled:256x2', 'full']) {
      let stops = 0;
      for (const [i, row] of rows.entries()) {
        // Probe answers arrive a few chunks later than asked, as from a server.
        const run = createPolicyRun(toExportedPolicy(name, SETTINGS), { complete: () => new Promise((done) => setTimeout(() => done({ text: '7}' }), 5)) });
        const settled: string[] = [];
        for (const c of pieces(row.output, seededCuts(row.output.length, i + 11, 48))) {
          if (run.push(c)) break;
          settled.push(run.settledText());
          await new Promise((r) => setImmediate(r));
          if (run.stopped) break;
        }
        const d = await run.finish();
        settled.push(run.settledText());
        if (d.stop) stops++;
        const kept = run.keptText();
        const longest = assertPrefixes(settled, kept, `#${i} ${name}`);
        assert.equal(longest, kept.length, `#${i} ${name}: once decided, the settled text is the kept text`);
        if (name === 'budget:512' && d.stop) assert.ok(settled.some((s) => s.length > 0 && s.length < kept.length), `#${i}: thinking was settled before the cut`);
      }
      if (name !== 'full') assert.ok(stops >= rows.length - 1, `${name} stops (nearly) every case (${stops})`);
    }
  });
});
