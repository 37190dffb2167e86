// Field names: a configured field replaces the default list, and messages name the fields in use.
import assert from 'node:assert/strict';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { resolveFields, DEFAULT_FIELDS } from '../../../../src/core/testSet/resolveFields';
import { brief } from './parseAllWays';

describe('core/testSet/resolveFields', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(resolveFields(), {
      id: ['id'],
      question: ['question', 'input', 'prompt'],
      answer: ['answer'],
      answers: ['answers'],
      output: ['output'],
      tags: ['tags'],
    });
    assert.deepEqual(resolveFields(), DEFAULT_FIELDS);
    assert.ok(Object.isFrozen(DEFAULT_FIELDS));
  });

  it('replaces a default list with the given names, one string or many', () => {
    const f = resolveFields({ question: 'problem', answer: ['gold', 'target'], output: [] });
    assert.deepEqual(f.question, ['problem']);
    assert.deepEqual(f.answer, ['gold', 'target']);
    assert.deepEqual(f.output, ['output']);
    // resolveFields copies the lists: editing the result never changes the defaults.
    f.id.push('x');
    assert.deepEqual(DEFAULT_FIELDS.id, ['id']);
  });

  it('reads custom field names and names them in messages', () => {
    const text = '{"key":"k1","problem":"p","gold":"4","trace":"4"}\n{"key":"k2","problem":"p"}\n';
    const r = parseTestSet(text, { fields: { id: ['key'], question: ['problem'], answer: ['gold', 'target'], output: ['trace'] } });
    assert.deepEqual(r.cases.map((c) => [c.id, c.question, c.answers, c.output]), [['k1', 'p', ['4'], '4']]);
    // The message lists the configured names, not the defaults, so the user sees what was looked for.
    assert.deepEqual(brief(r.issues), ['error 2 missing gold answer (expected "gold", "target" or "answers")']);
  });
});
