import * as vscode from 'vscode';
import { exportedPolicyText, exportFromSweep, type PolicySettings } from '../core/policyExport';
import { exportedTagPlanText, exportTagPlan } from '../core/tagPlanExport';
import type { SweepResult } from '../core/types';
import { formatDeltaPts, formatSavings } from '../shared/format';
import { isRuntimePolicy, PER_TAG_PLAN, POLICY_EXPORT_FORMATS, tagPlanDiffers, type PolicyExportFormat } from '../shared/protocol';

/** Where an exported policy goes: a file, or the clipboard. */
export type PolicyExportTarget = vscode.Uri | 'clipboard';

const FORMATS: Record<PolicyExportFormat, { ext: string; label: string; detail: string }> = {
  json: { ext: 'json', label: 'Policy JSON', detail: "Self-contained policy for createStopper() from 'prompt-budget/runtime'" },
  ts: { ext: 'ts', label: 'TypeScript snippet', detail: 'Stops an OpenAI SDK stream with the policy inline; ready to paste' },
  js: { ext: 'mjs', label: 'JavaScript snippet (ESM)', detail: 'The same snippet without types' },
};

/** The per-tag plan's formats: the same files, another JSON label and snippet description. */
const PLAN_FORMATS: Record<PolicyExportFormat, { ext: string; label: string; detail: string }> = {
  ...FORMATS,
  json: { ...FORMATS.json, label: 'Plan JSON', detail: "Self-contained plan for createTagStopper(plan, tags) from 'prompt-budget/runtime'" },
  ts: { ...FORMATS.ts, detail: 'Stops an OpenAI SDK stream with the policy of the request’s tag; ready to paste' },
};

/** Reads the command's optional arguments (from the panel, a keybinding or a test). */
export function policyExportArgs(policy: unknown, format: unknown, target: unknown): { policy?: string; format?: PolicyExportFormat; target?: PolicyExportTarget } {
  return {
    policy: typeof policy === 'string' ? policy : undefined,
    format: POLICY_EXPORT_FORMATS.includes(format as PolicyExportFormat) ? (format as PolicyExportFormat) : undefined,
    target: target instanceof vscode.Uri || target === 'clipboard' ? target : undefined,
  };
}

async function pickPolicy(result: SweepResult): Promise<string | undefined> {
  const rec = result.recommendation?.policy;
  const rows = result.rows.filter((r) => r.policy !== 'full' && isRuntimePolicy(r.policy));
  rows.sort((a, b) => Number(b.policy === rec) - Number(a.policy === rec));
  const items = rows.map((r) => ({
    label: r.label,
    description: `${r.policy === rec ? 'recommended · ' : ''}${formatSavings(r.savings)} tokens · ΔEM ${formatDeltaPts(r.deltaEm)}`,
    policy: r.policy,
  }));
  const tb = result.tagBudgets;
  if (tb && tagPlanDiffers(tb)) {
    items.unshift({
      label: 'Per-tag plan',
      description: `${tb.perTag.map((t) => `${t.tag} → ${t.policy}`).join(', ')} · ${formatSavings(tb.overall.savings)} tokens · ΔEM ${formatDeltaPts(tb.overall.deltaEm)}`,
      policy: PER_TAG_PLAN,
    });
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Prompt Budget: export which policy for production?', matchOnDescription: true });
  return pick?.policy;
}

async function pickFormat(label: string, formats: typeof FORMATS): Promise<{ format: PolicyExportFormat; clipboard: boolean } | undefined> {
  const items = [
    ...POLICY_EXPORT_FORMATS.map((f) => ({ label: formats[f].label, detail: formats[f].detail, format: f, clipboard: false })),
    { label: 'Copy TypeScript snippet', detail: 'To the clipboard, to paste where the model is called', format: 'ts' as const, clipboard: true },
  ];
  return vscode.window.showQuickPick(items, { title: `Prompt Budget: export ${label} as` });
}

/**
 * Exports one policy of the last sweep for production, asking for whatever the arguments leave
 * open (policy, format, file). `recorded` is what the export adds to the sweep's figures (the model and
 * the tokenizer's path, as the CLI's export records them). Returns where it went, or undefined when the user cancelled or the
 * policy cannot be exported (the message says why).
 */
export async function exportPolicy(
  result: SweepResult | undefined,
  log: vscode.LogOutputChannel,
  args: { policy?: string; format?: PolicyExportFormat; target?: PolicyExportTarget },
  recorded: Pick<PolicySettings, 'model' | 'tokenizerPath'> = {},
): Promise<PolicyExportTarget | undefined> {
  if (!result) {
    void vscode.window.showInformationMessage('Prompt Budget: run a sweep first; a policy is exported with what the sweep measured for it.');
    return undefined;
  }
  const policy = args.policy ?? (await pickPolicy(result));
  if (!policy) return undefined;
  const plan = policy === PER_TAG_PLAN;
  const formats = plan ? PLAN_FORMATS : FORMATS;
  const label = plan ? 'the per-tag plan' : (result.rows.find((r) => r.policy === policy)?.label ?? policy);
  let format = args.format;
  let target = args.target;
  if (!format) {
    const pick = await pickFormat(label, formats);
    if (!pick) return undefined;
    format = pick.format;
    if (pick.clipboard) target = 'clipboard';
  }
  let text: string;
  try {
    text = plan ? exportedTagPlanText(exportTagPlan(result), format) : exportedPolicyText(exportFromSweep(result, policy, recorded), format);
  } catch (e) {
    void vscode.window.showErrorMessage(`Prompt Budget: cannot export ${label}: ${(e as Error).message}`);
    return undefined;
  }
  if (target === 'clipboard') {
    await vscode.env.clipboard.writeText(text);
    log.info(`copied the ${formats[format].label} of ${policy} to the clipboard`);
    void vscode.window.showInformationMessage(`Prompt Budget: copied the ${formats[format].label} of ${label} to the clipboard.`);
    return target;
  }
  if (!target) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `prompt-budget-${policy.replace(/[^A-Za-z0-9]+/g, '-')}.${formats[format].ext}`;
    target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { [formats[format].label]: [formats[format].ext] },
      title: `Export ${label} as ${formats[format].label}`,
    });
    if (!target) return undefined;
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  log.info(`exported ${policy} as ${formats[format].label} to ${target.toString(true)}`);
  await vscode.window.showTextDocument(target, { preview: true });
  return target;
}
