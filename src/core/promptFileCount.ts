/**
 * What a prompt file counts: its body (front matter excluded), in the tokenizer its "as sent" count
 * uses when something names the model, else in the caller's own tokenizer. The editor (status bar
 * and CodeLens, counted incrementally in the worker), `prompt-budget count` and the sweep's prompt
 * tokens all start from `promptPlan` (promptFrontMatter.ts), so they give one figure for one file.
 * Kept apart from the front matter so the extension host never loads the tokenizers.
 */
import { promptPlan, type AsSentTarget, type PromptConfigModel } from './promptFrontMatter';
import { countTokens, type Tokenizer } from './tokens';
import type { SweepPrompt } from './types';

/** A prompt file counted as the editor counts it. */
export interface PromptFileCount {
  /** Tokens of the body. */
  tokens: number;
  approximate: boolean;
  /** Tokens of the front matter alone (its `---` lines included), in the same tokenizer; 0 without one. */
  frontMatterTokens: number;
  /** True when the file has front matter (the figure is then the body's, not the file's). */
  hasFrontMatter: boolean;
  /** The tokenizer's name. */
  tokenizer: string;
  /** What named the tokenizer (`front matter tokenizer`…), when the "as sent" target chose it. */
  source?: string;
  /** A front matter problem (`line 3: role must be system or user …`); the body is still counted. */
  error?: string;
}

/**
 * Counts a prompt file's body in one go. `tokenizerFor` turns the plan's target into a tokenizer
 * (loading a tokenizer path relative to the prompt file or the config); undefined means the
 * caller's own tokenizer.
 */
export function countPromptFile(text: string, config: PromptConfigModel | undefined, tokenizerFor: (target: AsSentTarget | undefined) => Tokenizer): PromptFileCount {
  const { fm, target } = promptPlan(text, config);
  const tok = tokenizerFor(target);
  const body = countTokens(tok, fm.body);
  const hasFrontMatter = fm.bodyStart > 0;
  const out: PromptFileCount = {
    tokens: body.count,
    approximate: body.approximate,
    frontMatterTokens: hasFrontMatter ? countTokens(tok, text.slice(0, fm.bodyStart)).count : 0,
    hasFrontMatter,
    tokenizer: tok.name,
  };
  if (target) out.source = target.source;
  if (fm.error) out.error = fm.error;
  return out;
}

/** A sweep report's `prompt`: the body's tokens, and how they were counted when the file has front matter. */
export function sweepPrompt(file: string, c: PromptFileCount): SweepPrompt {
  return c.hasFrontMatter ? { file, tokens: c.tokens, countedFrom: 'body', frontMatterTokens: c.frontMatterTokens, tokenizer: c.tokenizer } : { file, tokens: c.tokens };
}
