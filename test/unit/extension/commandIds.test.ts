// Command and view ids are declared once in code and once in package.json; this keeps the two equal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS, VIEWS } from '../../../src/extension/commandIds';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
    views: Record<string, { id: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as Manifest;

describe('extension/commandIds', () => {
  it('declares exactly the commands package.json contributes, each promptBudget.verbNoun', () => {
    const declared = Object.values(COMMANDS).sort();
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), declared);
    for (const id of declared) assert.match(id, /^promptBudget\.[a-z]+[A-Z][A-Za-z]*$/);
    assert.equal(new Set(declared).size, declared.length);
  });

  it('menus name only declared commands', () => {
    // A menu entry naming a removed command would show a dead item in the editor.
    const known = new Set<string>(Object.values(COMMANDS));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(known.has(item.command), `${menu}: ${item.command}`);
    }
  });

  it('view ids match the contributed container and view', () => {
    assert.deepEqual(manifest.contributes.viewsContainers.activitybar.map((c) => c.id), [VIEWS.container]);
    assert.deepEqual(manifest.contributes.views[VIEWS.container].map((v) => v.id), [VIEWS.results]);
  });
});
