/**
 * `prompt-budget/runtime`: applies a stop policy chosen by a prompt-budget sweep to a streamed
 * completion in production, with the sweep's own tokenizer, rules and answer extraction. No Node-only
 * APIs: it runs in Node, browsers and edge workers.
 */
export { createStopper, type PolicyInput, type StopDecision, type Stopper, type StopperOptions } from './createStopper';
export { createHfTokenizer, type HfTokenizer, type HfTokenizerFiles } from '../core/hfTokenizer';
export { createTagStopper, type TagPlanInput } from './createTagStopper';
export { stopOpenAIStream, stopStream, type ChatCompletionChunkLike, type ChatDeltaLike, type StreamStopResult } from './streams';
export { parseExportedPolicy } from '../core/policyExport';
export { parseExportedTagPlan, policyForTags } from '../core/tagPlanExport';
export type { ExportedPolicy, ExportedTagPlan, PolicySpec, ExtractConfig, MatchConfig, EncodingName, EngineName, TokenizerEncoding, TokenizerEngine } from '../core/types';
