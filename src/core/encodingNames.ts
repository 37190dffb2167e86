/**
 * The encoding and engine names, apart from the tokenizers themselves, so code that only checks or
 * lists names (config, policy export, the editor) does not bundle the rank tables.
 */
import type { EncodingName, EngineName } from './types';

export const ENCODING_NAMES: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];
export const ENGINE_NAMES: readonly EngineName[] = ['gpt-tokenizer', 'js-tiktoken'];
export const DEFAULT_ENCODING: EncodingName = 'o200k_base';
export const DEFAULT_ENGINE: EngineName = 'gpt-tokenizer';

export function isEncodingName(s: string): s is EncodingName {
  return (ENCODING_NAMES as readonly string[]).includes(s);
}

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}
