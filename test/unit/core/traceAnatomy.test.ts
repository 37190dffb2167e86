import assert from 'node:assert/strict';
import { DEFAULT_HESITATIONS, findHesitation, splitTrace } from '../../../src/core/traceAnatomy';

describe('core/traceAnatomy', () => {
  describe('splitTrace', () => {
    it('returns null for a trace without thinking tags', () => {
      assert.equal(splitTrace('The answer is 4.'), null);
      assert.equal(splitTrace(''), null);
    });
    it('splits a closed <think> block with offsets', () => {
      const text = '<think>\nso 4\n</think>\n\nThe answer is 4.';
      const s = splitTrace(text);
      assert.ok(s);
      assert.equal(text.slice(s.thinkingStart, s.thinkingEnd), '\nso 4\n');
      assert.equal(s.closed, true);
      assert.equal(s.closeEnd, 21);
      assert.equal(text.slice(s.answerStart, s.answerEnd), '\n\nThe answer is 4.');
    });
    it('keeps the thinking open on a prefix cut inside it (or inside the close tag)', () => {
      const s = splitTrace('<think>so 4</thi');
      assert.ok(s);
      assert.equal(s.closed, false);
      assert.equal(s.thinkingEnd, 16);
      assert.equal(s.answerStart, 16);
    });
    it('reads a close tag without an open tag as thinking from the start (open tag in the prompt)', () => {
      const s = splitTrace('so 4\n</think>\n4');
      assert.ok(s);
      assert.deepEqual([s.thinkingStart, s.thinkingEnd, s.answerStart], [0, 5, 13]);
    });
    it('knows <thinking>, Open-Thoughts and harmony tags; the earliest open tag wins', () => {
      assert.equal(splitTrace('<thinking>a</thinking>b')?.answerStart, 22);
      assert.equal(splitTrace('<|begin_of_thought|>a<|end_of_thought|>b')?.tags.close, '<|end_of_thought|>');
      const h = '<|channel|>analysis<|message|>a<|end|><|start|>assistant<|channel|>final<|message|>B<|return|>';
      const s = splitTrace(h);
      assert.ok(s);
      assert.equal(h.slice(s.answerStart, s.answerEnd), 'B');
      assert.equal(splitTrace('<thinking><think>x</think></thinking>y')?.tags.open, '<thinking>');
    });
    it('takes configured tags instead of the defaults', () => {
      const tags = [{ open: '[R]', close: '[/R]' }];
      assert.equal(splitTrace('<think>a</think>', tags), null);
      assert.equal(splitTrace('x[R]a[/R]b', tags)?.answerStart, 9);
    });
  });

  describe('findHesitation', () => {
    it('finds whole hesitation words and phrases, any case', () => {
      assert.equal(findHesitation('So 12. Wait, no.'), 'Wait');
      assert.equal(findHesitation('let me  double check that'), 'double check');
      assert.equal(findHesitation('Let me check: 4'), 'Let me check');
      assert.equal(findHesitation('So 12 apples in total.'), null);
      assert.equal(findHesitation('the butter is awaiting'), null);
      assert.equal(findHesitation('so hmm', ['so']), 'so');
      assert.equal(findHesitation('anything', []), null);
      assert.ok(DEFAULT_HESITATIONS.includes('alternatively'));
    });
  });
});
