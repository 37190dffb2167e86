// Headings the status bar and CodeLens count per section of a prompt file.
import * as assert from 'node:assert/strict';
import { findSections, sectionTotals } from '../../../src/core/markdownSections';

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

describe('sectionTotals', () => {
  it('adds each section’s subsections up to the next heading of its level or higher', () => {
    const sections = findSections('# A\n## A.1\n### A.1.a\n## A.2\n# B\n');
    const own = [1, 2, 4, 8, 16].map((count, i) => ({ count, approximate: i === 2 }));
    assert.deepEqual(
      sectionTotals(sections, own).map((s) => [s.title, s.count, s.approximate]),
      [
        ['A', 15, true],
        ['A.1', 6, true],
        ['A.1.a', 4, true],
        ['A.2', 8, false],
        ['B', 16, false],
      ],
    );
  });
});
