/** `prompt-budget/runtime`: a sweep's stop policy applied to streamed completions; no Node-only APIs (browsers, edge workers). */
export { createStopper, type PolicyInput, type StopDecision, type Stopper, type StopperOptions } from './createStopper';
export { createHfTokenizer, type HfTokenizer, type HfTokenizerFiles } from '../core/hfTokenizer';
export { createTagStopper, type TagPlanInput } from './createTagStopper';
export { stopOpenAIStream, stopStream, type ChatCompletionChunkLike, type ChatDeltaLike, type StreamStopResult } from './streams';
export { parseExportedPolicy } from '../core/policyExport';
export { parseExportedTagPlan, policyForTags } from '../core/tagPlanExport';
export type { ExportedPolicy, ExportedTagPlan, PolicySpec, ExtractConfig, MatchConfig, EncodingName, EngineName, TokenizerEncoding, TokenizerEngine } from '../core/types';
export { completionsClient, createPolicyRun, type CompleteFn, type CompletionResult, type CompletionsEndpoint, type PolicyRun, type PolicyRunOptions, type RunDecision } from './createPolicyRun';
export { runChunks, runOpenAIStream, runStream, responseChunks, type RunStreamResult } from './runStreams';
export type { ChatMessage } from '../core/live/promptTemplate';
export type { PolicyCalls } from '../core/types';
