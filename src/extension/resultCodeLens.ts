import * as vscode from 'vscode';
import { cutoffLocations } from '../core/config/cutoffLocations';
import { recommendationLine, rowEffect, THINKING_SPLIT_TOOLTIP, thinkingSplit } from '../core/report';
import type { SweepResult } from '../core/types';
import { COMMANDS } from './commandIds';
import type { ConfigStore } from './workspaceConfig';
import type { StaleInfo } from '../shared/protocol';
import { staleLensTitle } from './staleness';

/** Where the last sweep's result is shown: its test set and the prompt the config links. */
export interface ResultSource {
  readonly result: Omit<SweepResult, 'caseResults'> | undefined;
  readonly testSetUri: vscode.Uri | undefined;
  /** Set when the config, the test set or the encoding changed after the sweep. */
  readonly stale: StaleInfo | null;
  readonly onDidChange: vscode.Event<void>;
}

/** Above the others when the figures are out of date: says why, and a click runs the sweep again. */
function staleLens(range: vscode.Range, stale: StaleInfo): vscode.CodeLens {
  return new vscode.CodeLens(range, { title: staleLensTitle(stale), tooltip: 'The figures in these lenses come from a sweep of other inputs. Click to run the sweep again.', command: COMMANDS.runSweep });
}

function revealCommand(title: string, policy: string | undefined, tooltip: string): vscode.Command {
  return { title, tooltip, command: COMMANDS.revealPolicy, arguments: policy ? [policy] : [] };
}

/** A CodeLens provider over the last sweep's result, refreshed when the result changes. */
abstract class ResultLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    protected readonly source: ResultSource,
    protected readonly config: ConfigStore,
  ) {
    this.onDidChangeCodeLenses = source.onDidChange;
  }

  abstract provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[];

  dispose(): void {
    // the event belongs to the source
  }
}

/** The recommendation and its effect, above the linked prompt, the test set and the config. */
export class RecommendationCodeLensProvider extends ResultLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const result = this.source.result;
    if (!result) return [];
    const uri = doc.uri.toString();
    const targets = [this.source.testSetUri, this.config.promptUri(), this.config.current?.uri].filter((u): u is vscode.Uri => !!u).map((u) => u.toString());
    if (!targets.includes(uri)) return [];
    const rec = result.recommendation;
    const stale = this.source.stale;
    const title = `$(lightbulb) ${stale ? '(out of date) ' : ''}${rec ? 'Recommended ' : ''}${recommendationLine(result as SweepResult)}`;
    const tip = rec ? `${rec.reason}\nClick to open this row in the results panel.` : 'Click to open the results panel.';
    const range = new vscode.Range(0, 0, 0, 0);
    const lenses = [...(stale ? [staleLens(range, stale)] : []), new vscode.CodeLens(range, revealCommand(title, rec?.policy, tip))];
    const row = rec ? result.rows.find((r) => r.policy === rec.policy) : undefined;
    const split = row ? thinkingSplit(result, row) : null;
    if (split) lenses.push(new vscode.CodeLens(range, revealCommand(split, rec?.policy, THINKING_SPLIT_TOOLTIP)));
    return lenses;
  }
}

/** On each cutoff in promptbudget.json: that cutoff's savings and EM change in the last sweep. */
export class CutoffCodeLensProvider extends ResultLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const result = this.source.result;
    if (!result || doc.uri.toString() !== this.config.current?.uri.toString()) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const loc of cutoffLocations(doc.getText())) {
      const policy = `cutoff:${loc.value}`;
      const row = result.rows.find((r) => r.policy === policy);
      const range = new vscode.Range(loc.line, loc.character, loc.line, loc.character + loc.length);
      const split = row ? thinkingSplit(result, row) : null;
      const title = row ? `${row.label}: ${rowEffect(result as SweepResult, row)}${split ? ` · ${split}` : ''}${this.source.stale ? ' (out of date)' : ''}` : `cutoff ${loc.value}: not in the last sweep`;
      const tip = row ? `${split ? `${THINKING_SPLIT_TOOLTIP}\n` : ''}Click to open this row in the results panel.` : 'Run the sweep again to see this cutoff.';
      lenses.push(new vscode.CodeLens(range, revealCommand(title, row ? policy : undefined, tip)));
    }
    return lenses;
  }
}
