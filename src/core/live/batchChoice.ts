/** Streaming a live run or sending it through the OpenAI Batch API: the offer, its price, resuming a batch. */
import { BATCH_PRICE_SHARE } from './batchApi';

/** What the offer is computed from. */
export interface BatchOfferInput {
  /** Generation requests of the run: cases × (1 + arms). */
  requests: number;
  /** Offer the batch path from this many requests on; 0 never offers it. */
  threshold: number;
  /** Each generation's output budget: the cost is an upper bound at this many tokens per request. */
  maxTokens: number;
  prices: { inputPer1M: number; outputPer1M: number };
  /** Prompt tokens of all requests together, when counted. */
  promptTokens?: number;
  /** The run also asks forced answers or probes, which continue the traces: a second batch the editor does not send. */
  needsTraces?: boolean;
}

/** Whether to offer the batch path, and the price difference in words. */
export interface BatchOffer {
  offer: boolean;
  /** Upper bounds: every generation at `maxTokens`. */
  streamedUsd: number;
  batchUsd: number;
  /** e.g. `80 requests: up to $1.85 streamed, up to $0.93 through the OpenAI Batch API (half price, results within 24 h)`. */
  text: string;
}

function usd(v: number): string {
  return v >= 100 ? `$${Math.round(v).toLocaleString('en-US')}` : `$${v.toFixed(2)}`;
}

/** The batch offer for a run: made when the run has at least `threshold` requests (and a threshold is set). */
export function batchOffer(input: BatchOfferInput): BatchOffer {
  const streamedUsd = ((input.promptTokens ?? 0) * input.prices.inputPer1M + input.requests * input.maxTokens * input.prices.outputPer1M) / 1e6;
  const batchUsd = streamedUsd * BATCH_PRICE_SHARE;
  const offer = input.threshold > 0 && input.requests >= input.threshold && !input.needsTraces;
  const text = `${input.requests.toLocaleString('en-US')} requests: up to ${usd(streamedUsd)} streamed, up to ${usd(batchUsd)} through the OpenAI Batch API (half price, results within 24 h)`;
  return { offer, streamedUsd, batchUsd, text };
}

/** A batch the editor submitted and has not imported yet (kept in workspace state across reloads). */
export interface PendingBatch {
  batchId: string;
  /** The test set's URI, the traces file's URI and the server, as strings. */
  source: string;
  out: string;
  baseUrl: string;
  requests: number;
  submittedAt: string;
  /** The stored API key went with the submit (the user allowed it for this URL), so polling may send it too. */
  withKey: boolean;
}

/** Run Live Sweep's path: `resume` a pending batch of this set and server, `ask` if batch is offered, else `stream`. */
export function livePath(pending: PendingBatch | undefined, source: string, baseUrl: string, offer: Pick<BatchOffer, 'offer'>): 'resume' | 'ask' | 'stream' {
  if (pending && pending.source === source && pending.baseUrl.replace(/\/+$/, '') === baseUrl.replace(/\/+$/, '')) return 'resume';
  return offer.offer ? 'ask' : 'stream';
}
