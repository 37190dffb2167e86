import assert from 'node:assert/strict';
import { SseParser } from '../../../../src/core/live/sseParser';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('core/live/SseParser', () => {
  it('splits events on blank lines and joins multi-line data', () => {
    const p = new SseParser();
    const events = p.push('data: {"a":1}\n\ndata: one\ndata: two\n\n: keep-alive comment\n\nevent: done\ndata: [DONE]\n\n');
    assert.deepEqual(events, [{ data: '{"a":1}' }, { data: 'one\ntwo' }, { data: '[DONE]', event: 'done' }]);
    assert.deepEqual(p.end(), []);
  });

  it('handles CRLF and CR line ends, also when \\r\\n is split across chunks', () => {
    const p = new SseParser();
    const got = [...p.push('data: a\r'), ...p.push('\n\r\ndata: b\r\r'), ...p.push('data:c\n\n')];
    assert.deepEqual(got, [{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
  });

  it('reassembles events and UTF-8 characters split across byte chunks', () => {
    const whole = bytes('data: {"t":"€ and 😀"}\n\ndata: [DONE]\n\n');
    for (let cut = 1; cut < whole.length; cut += 3) {
      const p = new SseParser();
      const got = [...p.push(whole.slice(0, cut)), ...p.push(whole.slice(cut)), ...p.end()];
      assert.deepEqual(got, [{ data: '{"t":"€ and 😀"}' }, { data: '[DONE]' }], `cut at byte ${cut}`);
    }
  });

  it('dispatches a last event that has no trailing blank line at end()', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('data: x\ndata: y'), []);
    assert.deepEqual(p.end(), [{ data: 'x\ny' }]);
  });

  it('keeps a value without the optional single space and ignores unknown fields', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('id: 7\nretry: 10\ndata:  two spaces\n\n'), [{ data: ' two spaces' }]);
  });
});
