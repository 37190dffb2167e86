import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportedPolicyText, exportFromSweep, exportRecords, runtimeUnsupported, type PolicySettings } from '../core/policyExport';
import { parsePolicy, policyName, usesProbes } from '../core/policies';
import type { PolicySpec } from '../core/types';
import { runSweep } from '../core/sweep';
import { exportedTagPlanText, exportTagPlan } from '../core/tagPlanExport';
import { loadInputs, SWEEP_FLAGS } from './loadInputs';
import { UsageError, type CliIo } from './io';
import { parseExtraBody } from './runCommand';

export const EXPORT_HELP = `Usage: prompt-budget export --policy <name> <test-set> [options]

Measures one policy on the test set (as \`sweep\` does) and prints it as self-contained JSON for the
runtime module (import { createStopper, createPolicyRun } from 'prompt-budget/runtime') and for
\`prompt-budget proxy\`.

Options:
  --policy <name>          cutoff:<K> | stability:<N>x<k> | marker:<G> | settled:<N>x<k> | committed | full,
                           budget:<K> | probe:<N>x<k> | probe-settled:<N>x<k> | probe-confident:<N>@<p>
                           (these make extra calls: the JSON carries their prompt template, cue and
                           max tokens; probe-settled its hesitation words), or "recommended" (the
                           cheapest policy within the margin among the sweep's policies), or
                           "per-tag" (the per-tag plan: a policy per tag group, for createTagStopper)
  --snippet                print a ready-to-paste snippet using createStopper instead of the JSON
  --lang <ts|js>           language of the snippet (default ts)
  --model <name>           the model it was measured on: the proxy applies the policy to that model's
                           requests only (default: the config's live.model; none: every model)
  --answer-cue, --force-tokens, --probe-cue, --probe-tokens, --probe-template <file>
                           the forced-answer / probe call settings \`run\` was given (same defaults)
  --extra-body <json|@file> the request fields \`run\` sent (default: the config's live.extraBody, as run
                           merges them); a budget or probe policy's calls carry those a /completions call
                           takes (not messages, chat_template_kwargs and the other chat-only fields)
  --config, --extract, --pattern, --match, --encoding, --engine, --tokenizer, --margin, --seed, --resamples,
  --cutoffs, --policies    as for \`prompt-budget sweep\` (cutoffs and policies matter for "recommended")
Exit codes: 0 ok, 1 no policy is within the margin ("recommended"), 2 bad usage or unreadable input.
`;

/** `prompt-budget export`: measures one policy (or the recommended one, or the per-tag plan) and prints it for the runtime. */
export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SWEEP_FLAGS,
      policy: { type: 'string' },
      snippet: { type: 'boolean' },
      lang: { type: 'string' },
      model: { type: 'string' },
      'answer-cue': { type: 'string' },
      'force-tokens': { type: 'string' },
      'probe-cue': { type: 'string' },
      'probe-tokens': { type: 'string' },
      'probe-template': { type: 'string' },
      'extra-body': { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout(EXPORT_HELP);
    return 0;
  }
  if (!values.policy) throw new UsageError('export needs --policy <name> (e.g. --policy cutoff:512, or --policy recommended)');
  const lang = values.lang ?? 'ts';
  if (lang !== 'ts' && lang !== 'js') throw new UsageError(`--lang ${lang}: expected ts or js`);
  // --lang without --snippet would be silently ignored; say so instead.
  if (values.lang && !values.snippet) throw new UsageError('--lang needs --snippet');
  const recommended = values.policy.trim() === 'recommended';
  const perTag = values.policy.trim() === 'per-tag';
  const parsed = recommended || perTag ? undefined : parsePolicy(values.policy);
  if (parsed && !parsed.spec) throw new UsageError(`--policy: ${parsed.error}`);
  // A probe policy is refused before the test set is read: the runtime could never apply it.
  const unsupported = parsed?.spec ? runtimeUnsupported(parsed.spec) : null;
  if (unsupported) throw new UsageError(`--policy ${unsupported}`);

  if (positionals.length === 0 && !values.config) {
    throw new UsageError('export measures the policy on a test set: pass one (prompt-budget export --policy cutoff:512 <test-set>) or a --config that lists testSets');
  }
  const inputs = await loadInputs(positionals, values, io);
  // Only the exported policy (and full) need evaluating unless the sweep must pick one.
  // A named policy is measured as named: the thinking defaults must not replace it (adaptDefaults).
  // The config's hesitation words go into a named settled or probe-settled policy, as sweep puts them in.
  const words = inputs.options.hesitations;
  const withWords = (p: PolicySpec): PolicySpec => ((p.kind === 'settled' || p.kind === 'probe-settled') && !p.hesitations && words ? { ...p, hesitations: [...words] } : p);
  const options = parsed?.spec
    ? { ...inputs.options, folds: 0, includeCases: false, policies: [withWords(parsed.spec)], adaptDefaults: false }
    : { ...inputs.options, folds: 0, includeCases: false, policies: inputs.options.policies.filter((p) => !runtimeUnsupported(p)) };
  const result = runSweep(inputs.cases, inputs.skipped, options);
  for (const w of result.warnings) io.stderr(`${w}\n`);
  if (perTag) {
    // With fewer than two tag groups there is no plan, only the single policy.
    if (!result.tagBudgets) throw new UsageError('--policy per-tag needs cases with tags in at least two groups; this test set has none');
    io.stdout(exportedTagPlanText(exportTagPlan(result), values.snippet ? lang : 'json'));
    return 0;
  }
  const name = parsed?.spec ? policyName(parsed.spec) : result.recommendation?.policy;
  // Nothing qualifying exits 1, like a failed gate, so CI can tell it from bad usage.
  if (!name) {
    io.stderr(`prompt-budget: no policy is within the ${(result.margin * 100).toFixed(1)}-point margin on this test set; nothing to export\n`);
    return 1;
  }
  const parsedName = parsePolicy(name).spec;
  const spec = options.policies.find((p) => policyName(p) === name) ?? (parsedName && withWords(parsedName));
  if (!result.rows.some((r) => r.policy === name)) {
    throw new UsageError(`--policy ${name} could not be measured on this test set${result.warnings.length ? `: ${result.warnings.join(' ')}` : ''}`);
  }
  // The tokenizer's path is recorded so that `prompt-budget proxy` can load it without --tokenizer.
  // As `run` merges them: the flag's fields over the config's.
  const extraBody = { ...(inputs.config?.live.extraBody ?? {}), ...(values['extra-body'] !== undefined ? parseExtraBody(values['extra-body'], io.cwd) : {}) };
  const extra: Pick<PolicySettings, 'calls' | 'model' | 'tokenizerPath'> = exportRecords(values.model ?? inputs.config?.live.model, inputs.tokenizerPath, extraBody);
  if (spec?.kind === 'budget' || (spec && usesProbes(spec))) extra.calls = { ...callSettings(spec.kind === 'budget' ? 'budget' : 'probe', values, io.cwd), ...extra.calls };
  const exported = exportFromSweep(result, spec ?? name, extra);
  io.stdout(exportedPolicyText(exported, values.snippet ? lang : 'json'));
  return 0;
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--${flag} ${value}: expected a positive integer`);
  return Number(value);
}

/** The extra-call settings of a budget or probe policy from the flags `run` was given (unset ones take `run`'s defaults). */
function callSettings(kind: 'budget' | 'probe', values: Record<string, string | boolean | undefined>, cwd: string): NonNullable<PolicySettings['calls']> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);
  const calls: NonNullable<PolicySettings['calls']> = {};
  const templatePath = str('probe-template');
  if (templatePath !== undefined) {
    try {
      calls.template = readFileSync(resolve(cwd, templatePath), 'utf8');
    } catch (e) {
      throw new UsageError(`--probe-template ${templatePath}: ${(e as Error).message}`);
    }
  }
  const cue = kind === 'budget' ? str('answer-cue') : str('probe-cue');
  if (cue !== undefined) calls.cue = cue;
  const max = positive(kind === 'budget' ? 'force-tokens' : 'probe-tokens', str(kind === 'budget' ? 'force-tokens' : 'probe-tokens'));
  if (max !== undefined) calls.maxTokens = max;
  return calls;
}
