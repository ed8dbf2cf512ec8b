/**
 * One request as the engine sees it: a flat record of numbers (no per-step allocation).
 * Token accounting follows vLLM 0.15 v1/request.py: `numTokens` = prompt + output so far,
 * `computedTokens` = tokens whose KV is in the cache; whenever computedTokens reaches numTokens
 * at a step end, the model samples one more output token. After a recompute preemption
 * computedTokens returns to 0 and the output produced so far is recomputed as prompt.
 */
import type { ArrivalRequest } from '../workload/request.js';
import type { PrefillChunk } from '../cluster/record.js';

export const RequestState = {
  /** Created, not yet enqueued (or waiting out the pre-schedule overhead). */
  New: 0,
  Waiting: 1,
  Running: 2,
  /** Prefill-only request done, holding its blocks for a KV transfer. */
  Held: 3,
  /** Decode side: blocks reserved, KV transfer in flight. */
  Reserved: 4,
  Finished: 5,
  Dropped: 6,
  /** Withdrawn by the caller (client timeout); its blocks were freed. */
  Aborted: 7,
} as const;
export type RequestState = (typeof RequestState)[keyof typeof RequestState];

/** Why an instance refused a request (stable codes). */
export type DropReason = 'exceeds-max-model-len' | 'exceeds-kv-capacity' | 'invalid-lengths';

const EMPTY_TABLE = new Int32Array(0);

export class EngineRequest {
  readonly src: ArrivalRequest;
  /** Caller's dense index (e.g. the cluster's arrival index). */
  readonly index: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Lower is served first (vLLM convention). */
  readonly priority: number;
  /** Full-prompt-block hashes (computeBlockHashes), computed once. */
  readonly blockHashes: Float64Array;
  /** Finish after the first token and hold the KV blocks until releaseHeld (P/D prefill side). */
  prefillOnly = false;

  state: RequestState = RequestState.New;
  /** Prompt + output tokens known so far. */
  numTokens: number;
  computedTokens = 0;
  outputDone = 0;
  /** True until the (re)computed prompt completes; the batch reports it as a prefill. */
  inPrefill = true;
  /** Instance-local FIFO order, tie-break for the priority queue and victim choice. */
  seq = -1;

  /** Block table (sized by the instance at enqueue): the first numBlocks entries are this request's KV blocks. */
  blocks: Int32Array = EMPTY_TABLE;
  numBlocks = 0;
  /** Leading blocks whose hash is registered in the pool. */
  numHashedBlocks = 0;

  enqueuedUs = -1;
  firstScheduledUs = -1;
  firstTokenUs = -1;
  finishedUs = -1;
  /** Prompt tokens served from the prefix cache at first scheduling (-1 before). */
  cachedTokens = -1;
  preemptions = 0;

  /** Detail (filled only when the instance's detail recording is on). */
  prefillChunks: PrefillChunk[] | null = null;
  preemptionTimesUs: number[] | null = null;
  tokenTimesUs: number[] | null = null;

  constructor(src: ArrivalRequest, index: number, blockHashes: Float64Array) {
    this.src = src;
    this.index = index;
    this.inputTokens = src.inputTokens;
    this.outputTokens = src.outputTokens;
    this.priority = src.priority ?? 0;
    this.blockHashes = blockHashes;
    this.numTokens = src.inputTokens;
  }
}
