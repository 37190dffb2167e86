// Headings the status bar and CodeLens count per section of a prompt file.
import * as assert from 'node:assert/strict';
import { findSections } from '../../../src/core/markdownSections';

describe('findSections', () => {
  it('finds ATX headings with their level and title', () => {
    const text = '# System\ntext\n## Rules ##\n#not a heading\n####### seven\n   # indented\n### C#\n#\n';
    assert.deepEqual(findSections(text), [
      { line: 0, level: 1, title: 'System' },
      { line: 2, level: 2, title: 'Rules' },
      { line: 6, level: 3, title: 'C#' },
      { line: 7, level: 1, title: '' },
    ]);
  });

  it('ignores headings inside fenced code blocks', () => {
    const text = '# A\n```md\n# not a section\n```\n~~~\n# nor this\n~~~~\n# B\r\n';
    assert.deepEqual(
      findSections(text).map((s) => s.title),
      ['A', 'B'],
    );
  });
});
