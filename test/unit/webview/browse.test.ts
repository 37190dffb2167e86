// The list of all cases on the real sweep (120 GSM8K traces): search, the four orders, and the
// text of each entry, checked against the per-case results the sweep computed.
import * as assert from 'node:assert/strict';
import { browseView, DEFAULT_BROWSE } from '../../../src/webview/browse';
import { gsm8kSweep, summary } from './fixture';

describe('browse all cases', () => {
  const index = summary().cases!;
  const perCase = gsm8kSweep().caseResults!;

  it('lists every case, longest trace first, at most 50', () => {
    const view = browseView(index, 'cutoff:128', DEFAULT_BROWSE);
    const longest = [...perCase].sort((a, b) => b.totalTokens - a.totalTokens)[0];
    assert.deepEqual([view.total, view.matches, view.items.length, view.items[0].id, view.items[0].tokens], [120, 120, 50, longest.id, longest.totalTokens]);
    assert.equal(view.summary, 'The first 50 of 120 cases');
    for (let i = 1; i < view.items.length; i++) assert.ok(view.items[i - 1].tokens >= view.items[i].tokens);
  });

  it('sorts by the tokens the selected policy saves, and includes cases it did not flip', () => {
    const view = browseView(index, 'cutoff:64', { query: '', order: 'mostSaved' }, 200);
    const saved = (c: (typeof perCase)[0]): number => c.policies.full.stopToken - c.policies['cutoff:64'].stopToken;
    const best = Math.max(...perCase.map(saved));
    assert.equal(view.items[0].saved, best);
    assert.equal(view.items.length, 120);
    const flipped = new Set([...gsm8kSweep().rows.find((r) => r.policy === 'cutoff:64')!.flipsToWrongIds]);
    assert.ok(view.items.some((it) => !flipped.has(it.id)), 'cases the policy did not flip are listed too');
    const least = browseView(index, 'cutoff:64', { query: '', order: 'leastSaved' }, 200);
    assert.equal(least.items[0].saved, Math.min(...perCase.map(saved)));
  });

  it('searches by id and words each entry: kept of full tokens, saved, verdicts at full and under the policy', () => {
    const c = perCase[7];
    const view = browseView(index, 'cutoff:64', { query: ` ${c.id.toUpperCase()} `, order: 'shortest' });
    const hit = view.items.find((it) => it.id === c.id)!;
    const kept = c.policies['cutoff:64'].stopToken;
    const saved = c.totalTokens - kept;
    const mark = (ok: boolean): string => (ok ? '✓' : '✗');
    assert.equal(hit.text, `${kept} of ${c.totalTokens} tok kept${saved > 0 ? ` (−${saved})` : ''} · ${mark(c.policies.full.correct)} → ${mark(c.policies['cutoff:64'].correct)}`);
    assert.ok(view.items.every((it) => it.id.includes(c.id)));
    assert.equal(view.summary, `${view.matches} of 120 cases match “${c.id.toUpperCase()}”`);
    assert.deepEqual(browseView(index, 'full', { query: 'no such id', order: 'longest' }).items, []);
  });
});
