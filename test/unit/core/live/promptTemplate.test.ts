import assert from 'node:assert/strict';
import type { Case } from '../../../../src/core/types';
import { buildMessages, DEFAULT_PROBE_CUE, DEFAULT_PROBE_TEMPLATE, renderProbePrompt, renderTemplate, templateFields } from '../../../../src/core/live/promptTemplate';

const c: Case = { id: 'q7', question: 'What is 2 + 2?', answers: ['4', 'four'], tags: ['easy'], line: 7 };

describe('core/live/promptTemplate', () => {
  it('fills {{field}} placeholders, spaces allowed, and lists the missing ones', () => {
    const r = renderTemplate('Q{{ id }}: {{question}} ({{missing}}, {{missing}})', { id: 3, question: 'why?' });
    assert.equal(r.text, 'Q3: why? ({{missing}}, {{missing}})');
    assert.deepEqual(r.missing, ['missing']);
    assert.deepEqual(templateFields('{{a}} {{ b }} {{a}} {not} {{ c.d }}'), ['a', 'b', 'c.d']);
  });

  it('uses the question as the user message when there is no template', () => {
    assert.deepEqual(buildMessages(c, {}), { messages: [{ role: 'user', content: 'What is 2 + 2?' }], missing: [] });
  });

  it('renders system and user templates from case fields and any field of the original row', () => {
    const row = { id: 'q7', question: 'raw question', level: 'Level 3', answer: '4' };
    const { messages, missing } = buildMessages(c, { system: 'Solve {{level}} problems.', template: '[{{id}}] {{question}}\nTags: {{tags}}; gold {{answers}}' }, row);
    assert.deepEqual(missing, []);
    assert.deepEqual(messages, [
      { role: 'system', content: 'Solve Level 3 problems.' },
      // The case's normalised question wins over the row's raw field of the same name.
      { role: 'user', content: '[q7] What is 2 + 2?\nTags: easy; gold 4, four' },
    ]);
    assert.deepEqual(buildMessages(c, { template: '{{question}} {{topic}}' }).missing, ['topic']);
  });

  it('builds the probe prompt as messages, trace prefix and cue, without expanding placeholders inside the trace', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'What is 2 + 2?' },
    ];
    assert.equal(renderProbePrompt(DEFAULT_PROBE_TEMPLATE, messages, 'We add {{cue}} 2 and 2', DEFAULT_PROBE_CUE), `Be brief.\n\nWhat is 2 + 2?\n\nWe add {{cue}} 2 and 2${DEFAULT_PROBE_CUE}`);
    assert.equal(renderProbePrompt('<s>{{system}}|{{user}}|{{trace}}{{cue}}', messages, 'T', '=>'), '<s>Be brief.|What is 2 + 2?|T=>');
    assert.ok(DEFAULT_PROBE_CUE.endsWith('**Final Answer**: \\boxed{'));
  });
});
