// The name lists live apart from the tokenizers (so the extension host does not load rank tables); this
// keeps them in step with what the tokenizer module actually serves.
import assert from 'node:assert/strict';
import { DEFAULT_ENCODING, DEFAULT_ENGINE, ENCODING_NAMES, ENGINE_NAMES, isEncodingName, isEngineName } from '../../../src/core/encodingNames';
import { getTokenizer } from '../../../src/core/tokens';

describe('core/encodingNames', () => {
  it('lists the encodings and engines, defaults first', () => {
    assert.deepEqual(ENCODING_NAMES, ['o200k_base', 'cl100k_base']);
    assert.deepEqual(ENGINE_NAMES, ['gpt-tokenizer', 'js-tiktoken']);
    assert.equal(ENCODING_NAMES[0], DEFAULT_ENCODING);
    assert.equal(ENGINE_NAMES[0], DEFAULT_ENGINE);
  });

  it('recognises exactly the listed names', () => {
    assert.deepEqual(['o200k_base', 'cl100k_base', 'p50k_base', 'O200K_BASE', ''].map(isEncodingName), [true, true, false, false, false]);
    assert.deepEqual(['gpt-tokenizer', 'js-tiktoken', 'tiktoken'].map(isEngineName), [true, true, false]);
  });

  it('names only encodings and engines the tokenizer module serves', () => {
    for (const encoding of ENCODING_NAMES) {
      for (const engine of ENGINE_NAMES) {
        // Loads each rank table once; a listed name the module cannot serve would throw here.
        const tok = getTokenizer(encoding, engine);
        assert.deepEqual([tok.encoding, tok.engine], [encoding, engine]);
        assert.ok(tok.count('hello world') > 0);
      }
    }
  });
});
