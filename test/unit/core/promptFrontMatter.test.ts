// A prompt file's front matter and what its "as sent" count uses (front matter first, then the config).
import assert from 'node:assert/strict';
import { asSentTarget, openAiEncodingOf, parseFrontMatter } from '../../../src/core/promptFrontMatter';

describe('prompt front matter (core/promptFrontMatter)', () => {
  it('reads model, tokenizer and role, quoted or not, and gives the body after the closing line', () => {
    const text = '---\ntitle: Tutor\nmodel: "gpt-4o-mini"\ntokenizer: ../tok/qwen3 # the served model\nrole: system\n---\nYou are a tutor.\n';
    const fm = parseFrontMatter(text);
    assert.deepEqual(fm, { role: 'system', model: 'gpt-4o-mini', tokenizer: '../tok/qwen3', body: 'You are a tutor.\n', bodyStart: text.indexOf('You'), bodyLine: 6 });
  });

  it('handles CRLF and a BOM; a file without front matter, or with an unclosed one, is all body', () => {
    const crlf = '\uFEFF---\r\nmodel: gpt-4.1\r\n---\r\nHi\r\n';
    assert.deepEqual(parseFrontMatter(crlf), { role: 'user', model: 'gpt-4.1', body: 'Hi\r\n', bodyStart: crlf.indexOf('Hi'), bodyLine: 3 });
    assert.deepEqual(parseFrontMatter('Just a prompt.\n---\n'), { role: 'user', body: 'Just a prompt.\n---\n', bodyStart: 0, bodyLine: 0 });
    assert.deepEqual(parseFrontMatter('---\nmodel: x\nno end'), { role: 'user', body: '---\nmodel: x\nno end', bodyStart: 0, bodyLine: 0 });
  });

  it('gives the line where the body starts, so a body line plus bodyLine is the file line', () => {
    const text = '---\nrole: system\n# not a heading: front matter\n---\n# Task\nSolve it.\n';
    const fm = parseFrontMatter(text);
    assert.equal(fm.bodyLine, 4);
    assert.equal(text.split('\n')[fm.bodyLine], '# Task');
    assert.equal(fm.body.split('\n')[0], '# Task');
    // An empty front matter still ends on its closing line.
    assert.equal(parseFrontMatter('---\n---\nx').bodyLine, 2);
  });

  it('names the line of a bad role and keeps the default', () => {
    const fm = parseFrontMatter('---\nmodel: gpt-4o\nrole: assistant\n---\nx');
    assert.equal(fm.role, 'user');
    assert.equal(fm.error, 'line 3: role must be system or user (got "assistant")');
  });

  it('maps OpenAI model names to their encoding and leaves other models alone', () => {
    assert.equal(openAiEncodingOf('gpt-4o-mini'), 'o200k_base');
    assert.equal(openAiEncodingOf('o3-mini'), 'o200k_base');
    assert.equal(openAiEncodingOf('openai/gpt-5'), 'o200k_base');
    assert.equal(openAiEncodingOf('gpt-4-turbo'), 'cl100k_base');
    assert.equal(openAiEncodingOf('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(openAiEncodingOf('Qwen/Qwen3-8B'), undefined);
    assert.equal(openAiEncodingOf('o1x'), undefined);
  });

  it('takes the front matter tokenizer, then an OpenAI model, then the config tokenizer, then its OpenAI live model', () => {
    const config = { tokenizer: 'tok/llama', model: 'gpt-4o' };
    assert.deepEqual(asSentTarget({ tokenizer: 'qwen3', model: 'gpt-4o' }, config), { kind: 'tokenizer', path: 'qwen3', relativeTo: 'prompt', source: 'front matter tokenizer' });
    assert.deepEqual(asSentTarget({ tokenizer: 'cl100k_base' }), { kind: 'openai', encoding: 'cl100k_base', source: 'front matter tokenizer' });
    assert.deepEqual(asSentTarget({ model: 'gpt-4o-mini' }, config), { kind: 'openai', encoding: 'o200k_base', source: 'front matter model gpt-4o-mini' });
    assert.deepEqual(asSentTarget({ model: 'Qwen/Qwen3-8B' }, config), { kind: 'tokenizer', path: 'tok/llama', relativeTo: 'config', source: 'promptbudget.json tokenizer' });
    assert.deepEqual(asSentTarget({}, { tokenizer: null, model: 'gpt-4-turbo' }), { kind: 'openai', encoding: 'cl100k_base', source: 'promptbudget.json live.model gpt-4-turbo' });
    assert.equal(asSentTarget({}, { tokenizer: null, model: '' }), undefined);
    assert.equal(asSentTarget({ model: 'llama-3' }), undefined);
  });
});
