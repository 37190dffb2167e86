import * as vscode from 'vscode';
import { sweepToCsv, sweepToJson, sweepToMarkdown } from '../core/report';
import type { SweepResult } from '../core/types';
import type { ExportFormat } from '../shared/protocol';

export const EXPORTS: Record<ExportFormat, { ext: string; label: string; render: (r: SweepResult) => string }> = {
  markdown: { ext: 'md', label: 'Markdown', render: sweepToMarkdown },
  csv: { ext: 'csv', label: 'CSV', render: sweepToCsv },
  json: { ext: 'json', label: 'JSON', render: (r) => `${JSON.stringify(sweepToJson(r), null, 2)}\n` },
};

/** Writes a sweep as Markdown, CSV or JSON (asks for the format and file when not given); undefined when there is none or the user cancels. */
export async function exportSweepReport(
  result: SweepResult | undefined,
  fallbackFolder: vscode.Uri,
  log: { info(message: string): void },
  format?: ExportFormat,
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  if (!result) {
    void vscode.window.showInformationMessage('Prompt Budget: run a sweep first; there is nothing to export yet.');
    return undefined;
  }
  let fmt = format;
  if (!fmt) {
    const pick = await vscode.window.showQuickPick(
      (Object.keys(EXPORTS) as ExportFormat[]).map((f) => ({ label: EXPORTS[f].label, format: f })),
      { title: 'Prompt Budget: export the sweep as' },
    );
    if (!pick) return undefined;
    fmt = pick.format;
  }
  const spec = EXPORTS[fmt];
  let uri = target;
  if (!uri) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? fallbackFolder;
    uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder, `prompt-budget-report.${spec.ext}`),
      filters: { [spec.label]: [spec.ext] },
      title: 'Export sweep report',
    });
    if (!uri) return undefined;
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(spec.render(result)));
  log.info(`exported ${spec.label} report to ${uri.fsPath}`);
  void vscode.window.showInformationMessage(`Prompt Budget: exported ${vscode.workspace.asRelativePath(uri)}`, 'Open').then((a) => {
    if (a === 'Open') void vscode.window.showTextDocument(uri!);
  });
  return uri;
}
