import assert from 'node:assert/strict';
import { answerLogprobs, chatLogprobsFields, completionLogprobsFields, readLogprobs } from '../../../../src/core/live/logprobs';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { prepareLiveRun } from '../../../../src/core/live/prepareLiveRun';
import { missingLogprobsWarning } from '../../../../src/core/live/liveRun';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';

describe('core/live/logprobs', () => {
  it('asks in each endpoint’s own words', () => {
    assert.deepEqual(completionLogprobsFields(), { logprobs: 1 });
    assert.deepEqual(chatLogprobsFields(), { logprobs: true, top_logprobs: 1 });
  });

  it('reads /completions token_logprobs and chat content[].logprob; none is undefined', () => {
    // As vLLM's /v1/completions sends them (tokens, token_logprobs, top_logprobs, text_offset).
    assert.deepEqual(readLogprobs({ tokens: ['4', '2', '}'], token_logprobs: [-0.01, -0.2, -0.003], top_logprobs: [{ '4': -0.01 }], text_offset: [0, 1, 2] }), { logprobs: [-0.01, -0.2, -0.003], tokens: ['4', '2', '}'] });
    // As the chat shape sends them (OpenAI, vLLM, llama.cpp server).
    assert.deepEqual(readLogprobs({ content: [{ token: '4', logprob: -0.5, bytes: [52], top_logprobs: [] }, { token: '}', logprob: 0 }] }), { logprobs: [-0.5, 0], tokens: ['4', '}'] });
    assert.equal(readLogprobs(null), undefined);
    assert.equal(readLogprobs(undefined), undefined);
    assert.equal(readLogprobs({ content: null }), undefined);
    assert.equal(readLogprobs({ token_logprobs: [] }), undefined);
    // A skipped entry leaves the texts unmatched: they are dropped.
    assert.deepEqual(readLogprobs({ token_logprobs: [null, -1], tokens: ['a', 'b'] }), { logprobs: [-1] });
  });

  it('keeps the answer: the tokens through the one closing the brace the cue opened', () => {
    const read = { logprobs: [-0.1, -0.2, -0.3, -0.4, -2, -3], tokens: ['\\frac{', '1', '}{2', '}}', '\n\nWait', ','] };
    // \boxed{ opens one brace; \frac{1}{2} nests two more; "}}" closes the fraction and the box.
    assert.deepEqual(answerLogprobs(read, '**Final Answer**: \\boxed{'), [-0.1, -0.2, -0.3, -0.4]);
    assert.deepEqual(answerLogprobs(read, 'Answer: '), read.logprobs, 'a cue with no open brace keeps all');
    assert.deepEqual(answerLogprobs({ logprobs: [-1, -2] }, '\\boxed{'), [-1, -2], 'no token texts: all');
    assert.deepEqual(answerLogprobs({ logprobs: [-1, -2], tokens: ['4', '2'] }, '\\boxed{'), [-1, -2], 'never closed: all');
  });

  it('live.logprobs and the override turn it on only when probes or forced answers are made', () => {
    const cases = [{ id: '1', question: 'Q?', answers: ['1'], tags: [], line: 1 }];
    const { config, issues } = parseConfig('{"live": {"baseUrl": "http://127.0.0.1:1/v1", "model": "m", "probeEvery": 64, "logprobs": true}}');
    assert.deepEqual(issues, []);
    assert.equal(prepareLiveRun({ config, cases, rows: [undefined] }).plan?.options.logprobs, true);
    assert.equal(prepareLiveRun({ config, cases, rows: [undefined], overrides: { logprobs: false } }).plan?.options.logprobs, undefined);
    const none = prepareLiveRun({ config, cases, rows: [undefined], overrides: { probeEvery: 0 } });
    assert.equal(none.plan?.options.logprobs, undefined);
    assert.deepEqual(none.issues.map((i) => [i.severity, i.field]), [['warning', 'logprobs']]);
    assert.match(parseConfig('{"live": {"logprobs": "yes"}}').issues[0].message, /live\.logprobs/);
  });

  it('names the calls without logprobs in the warning', () => {
    assert.equal(missingLogprobsWarning({}), null);
    assert.match(missingLogprobsWarning({ missingLogprobs: 3 }) ?? '', /^the server returned no token log-probabilities for 3 probe\/forced-answer call\(s\)/);
  });

  it('a test set keeps recorded logprobs and refuses ones that are not numbers, naming the line', () => {
    const good = parseTestSet('{"question":"q","answer":"1","output":"1","probes":[{"atToken":4,"text":"1","tokens":1,"logprobs":[-0.1]}]}', { fileName: 'a.jsonl' });
    assert.deepEqual(good.cases[0].probes, [{ atToken: 4, text: '1', tokens: 1, logprobs: [-0.1] }]);
    const bad = parseTestSet('{"question":"q","answer":"1","output":"1","forced":[{"atToken":4,"text":"1","tokens":1,"logprobs":["x"]}]}', { fileName: 'b.jsonl' });
    assert.equal(bad.cases[0].forced, undefined);
    assert.deepEqual(bad.issues.map((i) => [i.line, i.message]), [[1, '"forced"[0] "logprobs" must be a list of numbers, got one holding string; forced ignored']]);
  });
});
