import assert from 'node:assert/strict';
import { budgetsToForce, forcedAnswerPrompt, forcedTracePrefix, thinkingOf, thinkingTokens } from '../../../src/core/forcedAnswer';
import { applyPolicy, parsePolicy, policyName, PrefixExtractor, type PreparedTrace } from '../../../src/core/policies';
import { makeExtractor } from '../../../src/core/extract';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { prepareLiveRun } from '../../../src/core/live/prepareLiveRun';
import { runSweep } from '../../../src/core/sweep';

const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
const extract = makeExtractor({ preset: 'boxed' });
const TRACE = '<think>one two three four five six seven eight nine ten</think>The answer is \\boxed{10}.';

function prepared(text: string, forced?: PreparedTrace['forced']): PreparedTrace {
  return { text, tokens: tokenizeWithOffsets(tokenizer, text), forced, thinkingTokens: thinkingTokens(tokenizer, text) };
}

describe('core/forcedAnswer', () => {
  it('finds the thinking of a trace, closed or not', () => {
    assert.deepEqual(thinkingOf(TRACE), { thinking: 'one two three four five six seven eight nine ten', closed: true, start: 7, tags: { open: '<think>', close: '</think>' } });
    assert.deepEqual(thinkingOf('<think>still going'), { thinking: 'still going', closed: false, start: 7, tags: { open: '<think>', close: '</think>' } });
    assert.deepEqual(thinkingOf('no thinking here'), { thinking: '', closed: true, start: 0 });
    assert.equal(thinkingTokens(tokenizer, TRACE), 10);
  });

  it('forces only budgets below the thinking length, once each, ascending', () => {
    assert.deepEqual(budgetsToForce(10, [8, 4, 10, 4, 16]), [4, 8]);
    assert.deepEqual(budgetsToForce(0, [4]), []);
  });

  it('builds the prompt: messages, <think> + the first K thinking tokens + the close, the cue', () => {
    const prefix = forcedTracePrefix(tokenizer, TRACE, 3);
    assert.equal(prefix, '<think>one two three\n</think>\n\n');
    assert.equal(forcedAnswerPrompt('{{prompt}}\n\n{{trace}}{{cue}}', [{ role: 'user', content: 'Q?' }], prefix, 'A: '), 'Q?\n\n<think>one two three\n</think>\n\nA: ');
  });

  it('splits any trace anatomy the product knows: configured tags, Open-Thoughts, harmony, a close tag only', () => {
    const tags = [{ open: '[REASON]', close: '[/REASON]' }];
    const custom = '[REASON]one two three four five six[/REASON]\\boxed{6}';
    assert.equal(thinkingTokens(tokenizer, custom), 0);
    assert.equal(thinkingTokens(tokenizer, custom, tags), 6);
    assert.equal(forcedTracePrefix(tokenizer, custom, 2, undefined, tags), '[REASON]one two\n[/REASON]\n\n');
    const thought = '<|begin_of_thought|>one two three four<|end_of_thought|><|begin_of_solution|>\\boxed{4}';
    assert.equal(thinkingTokens(tokenizer, thought), 4);
    assert.equal(forcedTracePrefix(tokenizer, thought, 3), '<|begin_of_thought|>one two three\n<|end_of_thought|>\n\n');
    const harmony = '<|channel|>analysis<|message|>one two three four five<|end|><|start|>assistant<|channel|>final<|message|>\\boxed{5}<|return|>';
    assert.equal(thinkingTokens(tokenizer, harmony), 5);
    assert.equal(forcedTracePrefix(tokenizer, harmony, 2), '<|channel|>analysis<|message|>one two<|end|><|start|>assistant<|channel|>final<|message|>');
    // The open tag was part of the prompt: the trace starts inside the thinking.
    const openInPrompt = 'one two three four</think>\\boxed{4}';
    assert.equal(thinkingTokens(tokenizer, openInPrompt), 4);
    assert.equal(forcedTracePrefix(tokenizer, openInPrompt, 1), 'one\n</think>\n\n');
    assert.equal(forcedTracePrefix(tokenizer, custom, 2, ' END ', tags), '[REASON]one two END ');
  });

  it('budget:K in a sweep of [REASON] traces counts the thinking on the configured tags', () => {
    const tags = [{ open: '[REASON]', close: '[/REASON]' }];
    const output = '[REASON]one two three four five six seven eight[/REASON]The answer is \\boxed{8}.';
    const c = { id: '1', question: 'Q', answers: ['7'], tags: [], line: 1, output, forced: [{ atToken: 4, text: '**Final Answer**: \\boxed{7}', tokens: 2 }] };
    const opts = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed', thinking: tags }, match: { preset: 'numeric' }, margin: 0.01, seed: 1, resamples: 100, folds: 0, includeCases: true } as const;
    const result = runSweep([c], 0, { ...opts, policies: [{ kind: 'budget', tokens: 4 }] });
    const row = result.rows.find((r) => r.policy === 'budget:4');
    assert.ok(row, result.warnings.join('\n'));
    assert.equal(row.em, 1);
    assert.equal(result.caseResults?.[0].policies['budget:4'].stopToken, 6);
    // Without the tags the trace has no thinking: the model's own answer (8) stands.
    const plain = runSweep([c], 0, { ...opts, extract: { preset: 'boxed' }, policies: [{ kind: 'budget', tokens: 4 }] });
    assert.equal(plain.caseResults?.[0].policies['budget:4'].answer, '8');
  });

  it('budget:K replays the forced answer (K + its tokens) or keeps the own answer when the thinking fits', () => {
    assert.equal(policyName(parsePolicy('budget:4').spec!), 'budget:4');
    assert.match(parsePolicy('budget:0').error ?? '', /budget:<K> with K a positive integer/);
    const trace = prepared(TRACE, [{ atToken: 4, text: '**Final Answer**: \\boxed{7}', tokens: 2 }]);
    const prefixes = new PrefixExtractor(trace, extract);
    assert.deepEqual(applyPolicy({ kind: 'budget', tokens: 4 }, trace, prefixes, extract), {
      stopToken: 6,
      answer: '7',
      answerKind: 'final',
      reason: 'thinking closed at 4 of 10 tokens; forced answer of 2 tokens',
      forcedTokens: 2,
    });
    const own = applyPolicy({ kind: 'budget', tokens: 10 }, trace, prefixes, extract);
    assert.equal(own.answer, '10');
    assert.equal(own.stopToken, trace.tokens.count);
    const missing = applyPolicy({ kind: 'budget', tokens: 8 }, trace, prefixes, extract);
    assert.equal(missing.answer, null);
    assert.match(missing.reason, /no forced answer recorded at 8/);
  });

  it('reads live.budgets from promptbudget.json and prepareLiveRun turns them into forced-answer options', () => {
    const { config, issues } = parseConfig('{"live": {"baseUrl": "http://127.0.0.1:1/v1", "model": "m", "budgets": [2048, 512, 512]}}');
    assert.deepEqual(issues, []);
    assert.deepEqual(config.live.budgets, [512, 2048]);
    const bad = parseConfig('{"live": {"budgets": [0]}}');
    assert.match(bad.issues.map((i) => i.message).join('\n'), /live\.budgets\[0\]/);
    const cases = [{ id: '1', question: 'Q?', answers: ['1'], tags: [], line: 1 }];
    const { plan } = prepareLiveRun({ config, cases, rows: [undefined] });
    assert.deepEqual(plan?.options.force, { budgets: [512, 2048], maxTokens: 32, cue: '**Final Answer**: \\boxed{', template: '{{prompt}}\n\n{{trace}}{{cue}}' });
    const flags = prepareLiveRun({ config, cases, rows: [undefined], overrides: { budgets: [64], answerCue: 'A: ' } });
    assert.deepEqual(flags.plan?.options.force?.budgets, [64]);
    assert.equal(flags.plan?.options.force?.cue, 'A: ');
    const tagged = parseConfig('{"thinking": {"open": "[R]", "close": "[/R]"}, "live": {"baseUrl": "http://127.0.0.1:1/v1", "model": "m", "budgets": [8]}}');
    assert.deepEqual(prepareLiveRun({ config: tagged.config, cases, rows: [undefined] }).plan?.options.force?.thinking, [{ open: '[R]', close: '[/R]' }]);
  });
});
