// A prompt file's body count in one go (core/promptFileCount), as `count` and the sweep use it.
import assert from 'node:assert/strict';
import { countPromptFile, sweepPrompt } from '../../../src/core/promptFileCount';
import { promptPlan, type AsSentTarget } from '../../../src/core/promptFrontMatter';
import { getTokenizer } from '../../../src/core/tokens';

const o200k = getTokenizer('o200k_base');
const cl100k = getTokenizer('cl100k_base');
const BODY = 'You are a careful math tutor. Put the final answer in \\boxed{}.\n';

describe('prompt file count (core/promptFileCount)', () => {
  it('counts the body in the tokenizer the front matter names, with the front matter counted apart', () => {
    const fm = '---\nmodel: gpt-4-turbo\nrole: system\n---\n';
    const seen: (AsSentTarget | undefined)[] = [];
    const c = countPromptFile(fm + BODY, undefined, (t) => {
      seen.push(t);
      return t?.kind === 'openai' ? getTokenizer(t.encoding) : o200k;
    });
    assert.deepEqual(seen, [{ kind: 'openai', encoding: 'cl100k_base', source: 'front matter model gpt-4-turbo' }]);
    assert.deepEqual(c, { tokens: cl100k.count(BODY), approximate: false, frontMatterTokens: cl100k.count(fm), hasFrontMatter: true, tokenizer: 'cl100k_base', source: 'front matter model gpt-4-turbo' });
    assert.deepEqual(sweepPrompt('p.md', c), { file: 'p.md', tokens: cl100k.count(BODY), countedFrom: 'body', frontMatterTokens: cl100k.count(fm), tokenizer: 'cl100k_base' });
  });

  it("a file without front matter is counted whole in the caller's tokenizer unless the config names a model", () => {
    const plain = countPromptFile(BODY, undefined, () => o200k);
    assert.deepEqual(plain, { tokens: o200k.count(BODY), approximate: false, frontMatterTokens: 0, hasFrontMatter: false, tokenizer: 'o200k_base' });
    assert.deepEqual(sweepPrompt('p.md', plain), { file: 'p.md', tokens: o200k.count(BODY) });
    assert.deepEqual(promptPlan(BODY, { tokenizer: null, model: 'gpt-4' }).target, { kind: 'openai', encoding: 'cl100k_base', source: 'promptbudget.json live.model gpt-4' });
    assert.deepEqual(promptPlan(BODY, { tokenizer: 'tok/qwen3', model: 'gpt-4' }).target, { kind: 'tokenizer', path: 'tok/qwen3', relativeTo: 'config', source: 'promptbudget.json tokenizer' });
    assert.equal(promptPlan(BODY, { tokenizer: null, model: 'Qwen/Qwen3-8B' }).target, undefined);
  });

  it('still counts the body when the front matter has a bad role, and says so', () => {
    const c = countPromptFile(`---\nrole: tool\n---\n${BODY}`, undefined, () => o200k);
    assert.equal(c.tokens, o200k.count(BODY));
    assert.equal(c.error, 'line 2: role must be system or user (got "tool")');
  });
});
