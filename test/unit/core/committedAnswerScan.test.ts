import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommittedAnswerScan, findCommittedBox } from '../../../src/core/committedAnswerScan';

/** The box's text, or null. */
function boxOf(text: string, tags?: { open: string; close: string }[]): string | null {
  const box = findCommittedBox(text, tags);
  return box ? text.slice(box.start, box.end) : null;
}

describe('core/committedAnswerScan', () => {
  it('finds the first braced box that closes inside the thinking, nested braces included', () => {
    assert.equal(boxOf('<think>so 18. **Final Answer** \\boxed{18}\n</think>\nThe answer is \\boxed{18}.'), '\\boxed{18}');
    assert.equal(boxOf('<think>x = \\boxed{\\frac{1}{2}} then \\boxed{3}</think>'), '\\boxed{\\frac{1}{2}}');
    assert.equal(boxOf('<think>\\fbox {7} and \\boxed{8}</think>'), '\\fbox {7}');
    // A brace-less box is not a commitment; the next braced one is.
    assert.equal(boxOf('<think>\\boxed 5 and \\boxeds{6}? \\boxed{9}</think>'), '\\boxed{9}');
    // An empty box is an instruction quoted, not an answer (R1 GSM8K gsm8k-r1-344: "put the final answer inside \boxed{} tags").
    assert.equal(boxOf('<think>inside \\boxed{} or \\boxed{ } tags, so \\boxed{180000}</think>'), '\\boxed{180000}');
  });

  it('finds none outside the thinking, in a box cut by the close tag, or when the open tag was in the prompt', () => {
    assert.equal(boxOf('no thinking here \\boxed{4}'), null);
    assert.equal(boxOf('<think>long thought</think> \\boxed{4}'), null);
    assert.equal(boxOf('<think>\\boxed{4 </think> 5}'), null);
    // Only a close tag: the thinking started in the prompt and ends at the tag, so nothing after it counts.
    assert.equal(boxOf('thought \\boxed{3}</think>\\boxed{4}'), null);
    assert.equal(boxOf('<think>\\boxed{12'), null);
  });

  it('uses the configured tags and gpt-oss harmony channels', () => {
    assert.equal(boxOf('[R]so \\boxed{2}[/R] \\boxed{2}', [{ open: '[R]', close: '[/R]' }]), '\\boxed{2}');
    assert.equal(boxOf('<think>\\boxed{2}</think>', [{ open: '[R]', close: '[/R]' }]), null);
    assert.equal(boxOf('<|channel|>analysis<|message|>it is \\boxed{B}<|end|><|start|>assistant<|channel|>final<|message|>B<|return|>'), '\\boxed{B}');
  });

  it('stays undecided until the text decides, and pushing a growing text gives the whole-text answer', () => {
    const scan = new CommittedAnswerScan();
    scan.push('<think>so \\boxed{1');
    assert.equal(scan.found, undefined);
    scan.push('<think>so \\boxed{1}');
    assert.deepEqual(scan.found, { start: 10, end: 19 });
    const partial = new CommittedAnswerScan();
    partial.push('<think>\\boxed{4 </thi');
    assert.equal(partial.found, undefined);
    partial.push('<think>\\boxed{4 </think>');
    assert.equal(partial.found, null);
  });

  it('fast-check: any chunking of a random trace gives the whole-text result', () => {
    const pieces = ['<think>', '</think>', '\\boxed', '{', '}', ' ', '7', '\\fbox', '<thi', 'nk>', '</', 'think>', 'x', '\\', 'box', 'ed{'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.array(fc.nat({ max: 200 }), { maxLength: 30 }), (parts, cuts) => {
        const text = parts.join('');
        const scan = new CommittedAnswerScan();
        for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) if (cut < text.length) scan.push(text.slice(0, cut));
        scan.push(text);
        assert.deepEqual(scan.finish(), findCommittedBox(text), JSON.stringify(text));
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});
