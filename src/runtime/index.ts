/** `prompt-budget/runtime`: a sweep's stop policy applied to streamed completions; no Node-only APIs (browsers, edge workers). */
export { createStopper, type PolicyInput, type StopDecision, type Stopper } from './createStopper';
export { createTagStopper, type TagPlanInput } from './createTagStopper';
export { stopOpenAIStream, stopStream, type ChatCompletionChunkLike, type ChatDeltaLike, type StreamStopResult } from './streams';
export { parseExportedPolicy } from '../core/policyExport';
export { parseExportedTagPlan, policyForTags } from '../core/tagPlanExport';
export type { ExportedPolicy, ExportedTagPlan, PolicySpec, ExtractConfig, MatchConfig, EncodingName, EngineName } from '../core/types';
