/**
 * One request as the engine sees it: a flat record of numbers (no per-step allocation).
 * Token accounting follows vLLM 0.15 v1/request.py and v1/core/sched/scheduler.py:
 * `numTokens` = prompt + output tokens sampled so far; `computedTokens` = tokens whose KV is in
 * the cache or being computed by a scheduled step (vLLM advances num_computed_tokens when it
 * schedules, _update_after_schedule); `pendingTokens` = tokens that scheduled steps will sample
 * (vLLM's num_output_placeholders under async scheduling). A step that brings computedTokens to
 * numTokens + pendingTokens samples one more token when it ends. After a recompute preemption
 * computedTokens returns to 0 and the output produced so far is recomputed as prompt.
 */
import type { ArrivalRequest } from '../workload/request.js';
import { hashBlockCount, ownContentKey, promptBlockCount, requestBlockHashes, type BlockHashArena } from './block-hash.js';

/** Where a request's block hashes come from when they are computed on first use (EngineRequest.seqBlockHashes). */
export interface LazyBlockHashes {
  readonly blockSize: number;
  readonly arena: BlockHashArena | undefined;
  /** How many there will be (hashBlockCount). */
  readonly count: number;
}

/** One prefill chunk (recorded only when detail recording is on, e.g. for tracing). */
export interface PrefillChunk {
  readonly startUs: number;
  readonly endUs: number;
  readonly tokens: number;
}

export const RequestState = {
  /** Created, not yet enqueued (or waiting out the pre-schedule overhead). */
  New: 0,
  Waiting: 1,
  Running: 2,
  /** Prefill-only request done, holding its blocks for a KV transfer. */
  Held: 3,
  Finished: 5,
  Dropped: 6,
  /** Withdrawn by the caller (client timeout); its blocks were freed. */
  Aborted: 7,
  /** Blocks allocated, prefix blocks loading from the CPU tier (vLLM WAITING_FOR_REMOTE_KVS). */
  LoadingKv: 8,
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
  /** How many entries seqBlockHashes has (known without computing them). */
  readonly numHashBlocks: number;
  /** How many leading entries of seqBlockHashes are full prompt blocks. */
  readonly promptBlocks: number;
  /** Entries of seqBlockHashes from here on are private to requests of one key (`idKey`: this id's, or its session's; block-hash.ts). */
  readonly sharedBlocks: number;
  /** The identity of this id's unique content (-1: every hash is shared). */
  readonly idKey: number;
  /**
   * Its private blocks are registered in the prefix cache only when it loses its blocks and will
   * be admitted again (KvCacheManager.registerDeferred), not as they fill: set when no other
   * request of the run can produce idKey from its arrival on (unique ids, the key its own id's or
   * that of a group no other live or later request carries, no P/D sibling).
   */
  deferPrivate = false;
  /**
   * A lookup may find blocks of its key in the pool: registerDeferred put some of its own there,
   * or its key is a group's whose earlier requests registered theirs (until then, for a key of its
   * own, a lookup has nothing to find).
   */
  privateInPool = false;
  /**
   * Its key is an exclusive prefix group's that other requests carry (a session's earlier turns):
   * its private registration may wait on an instance where no other request of the key is
   * (pending-keys.ts); `keyJoined` while it is counted there, `keyDefers` while it defers so.
   */
  keyShared = false;
  keyJoined = false;
  keyDefers = false;
  /** No later request carries its key (alone in its group: RequestLedger.aloneInGroup): what it defers is never left pending. */
  keyLast = false;
  /** While joined: its key's slot there (pending-keys.ts). */
  keySlot = -1;
  /** Finish after the first token and hold the KV blocks until a step reports the decode side's read (P/D prefill side, pd-hooks.ts). */
  prefillOnly = false;
  /**
   * P/D decode side (vLLM kv_transfer_params.do_remote_prefill): the first time the waiting loop
   * reaches it, its prompt's blocks are allocated and filled by a KV transfer from the prefill
   * instance instead of computed. Cleared at that allocation (the connector triggers one transfer
   * per request): preempted later, it recomputes.
   */
  remotePrefill = false;
  /** Blocks its P/D transfer fills (the prompt's blocks past the decode side's own prefix hits). */
  remoteBlocks = 0;

  state: RequestState = RequestState.New;
  /** Prompt + output tokens known so far. */
  numTokens: number;
  computedTokens = 0;
  /** Tokens that steps already scheduled will sample (0 whenever no step of this request is in flight). */
  pendingTokens = 0;
  outputDone = 0;
  /** Bumped at every preemption and abort: a step in flight scheduled under an older epoch commits only the token it samples for a preempted request (vLLM appends it). */
  epoch = 0;
  /** True until the (re)computed prompt completes; the batch reports it as a prefill. */
  inPrefill = true;
  /** Instance-local FIFO order, tie-break for the priority queue and victim choice. */
  seq = -1;

  /** Block table (sized by the instance at enqueue): the first numBlocks entries are this request's KV blocks. */
  blocks: Int32Array = EMPTY_TABLE;
  numBlocks = 0;
  /** Leading blocks whose hash is registered in the pool. */
  numHashedBlocks = 0;
  /**
   * Sliding-window KV cache groups (hybrid-kv.ts): each group's table is `laneStride` entries of
   * `blocks` (the first group's at 0), all `numBlocks` long; a sliding group's first
   * `slidingStart` entries left the window (vLLM's null block) and hold none.
   */
  laneStride = 0;
  slidingStart = 0;

  enqueuedUs = -1;
  firstScheduledUs = -1;
  firstTokenUs = -1;
  finishedUs = -1;
  /** Prompt tokens served from the prefix cache at first scheduling (-1 before). */
  cachedTokens = -1;
  /** Of the tokens computed at first scheduling, those loaded from the CPU tier. */
  cpuCachedTokens = 0;
  /** CPU-tier load or P/D transfer: when its data is on the GPU (µs; MAX_SAFE_INTEGER while a transfer has not landed), and the tokens a CPU load brings. */
  loadDoneUs = -1;
  loadTokens = 0;
  /** The step whose formation started the load: its completion is reported at that step's end or later. */
  loadStepSeq = 0;
  /** The load's blocks in its chain ([loadFromBlock, + loadBlocks), pinned in the tier while it runs; 0 once it ended). */
  loadFromBlock = 0;
  loadBlocks = 0;
  /** The load was reported (finished_recving): the waiting loop promotes the request where it stands. */
  loadReported = false;
  /**
   * The CPU tier's connector has had a store job for it (a block the tier lacked): when it leaves,
   * its blocks are held until a step reports the stores (kv-stores.ts), that of formation `storeCarrySeq`.
   */
  cpuStored = false;
  /**
   * The CPU tier's store pass starts at this block (vLLM's `_next_stored_block_idx`): 0, past a
   * CPU load once one is allocated, and kept across preemption.
   */
  nextStoreBlock = 0;
  /**
   * Full blocks the store pass last saw: it runs again when the request has more. Equal to
   * nextStoreBlock unless the tier could not take a store, which every later schedule of the
   * request retries (storeRetry), as vLLM's does.
   */
  storeSeenBlocks = 0;
  /** Full blocks to offer the store pass at the end of the formation in progress (storePending). */
  storeFull = 0;
  storePending = false;
  /** Its last store found no room in the tier: retried whenever it is scheduled (kv-cache-manager.ts addRetries). */
  storeRetry = false;
  /** Scratch: its slot in the batch being formed (addRetries). */
  storeSlot = -1;
  /** The formation that admitted it from the waiting queue last (the store pass orders new and resumed requests by it). */
  admittedSeq = -1;
  storeCarrySeq = -1;
  preemptions = 0;
  /** Preempted with output: the step end that committed its last token, until it samples the next (the gap a step's duration does not hold); else -1. */
  stalledSinceUs = -1;
  /** While it holds a decode run's slot, that slot's join stamp (run-stops.ts), else -1. */
  runStamp = -1;
  /** While it holds a decode run's slot, the cell its per-slot counters live in (run-slots.ts). */
  runCell = -1;
  /** Where it probably stands in the running list when it finishes (a decode run notes its slot as it leaves; finished.ts checks it before searching). */
  runningHint = -1;

  /** Detail (filled only when the instance's detail recording is on). */
  prefillChunks: PrefillChunk[] | null = null;
  preemptionTimesUs: number[] | null = null;
  tokenTimesUs: number[] | null = null;
  /** The view `blockHashes` returns, made on first use (a round-robin run never asks for it). */
  private promptHashes: Float64Array | null = null;
  /** The block hashes, or null until first asked for (then computed from `lazy`). */
  private hashes: Float64Array | null;
  private lazy: LazyBlockHashes | null;
  /** `hashes` holds the shared entries only; the private ones are written when first read, at this block size (else 0). */
  private partialBlockSize = 0;

  /**
   * `promptBlocks`: how many leading entries of seqBlockHashes are full prompt blocks; from
   * `sharedBlocks` on they are private to id `idKey` (default: all shared).
   */
  constructor(src: ArrivalRequest, index: number, seqBlockHashes: Float64Array | LazyBlockHashes, promptBlocks: number, sharedBlocks?: number, idKey = -1) {
    this.src = src;
    this.index = index;
    this.inputTokens = src.inputTokens;
    this.outputTokens = src.outputTokens;
    this.priority = src.priority ?? 0;
    const eager = seqBlockHashes instanceof Float64Array;
    this.hashes = eager ? seqBlockHashes : null;
    this.lazy = eager ? null : seqBlockHashes;
    const n = eager ? seqBlockHashes.length : seqBlockHashes.count;
    this.numHashBlocks = n;
    this.promptBlocks = Math.min(n, promptBlocks);
    this.sharedBlocks = idKey < 0 || sharedBlocks === undefined ? n : sharedBlocks;
    this.idKey = idKey;
    this.numTokens = src.inputTokens;
  }

  /**
   * Hashes of the full blocks of prompt and output (requestBlockHashes), computed once: at
   * creation, or for a request whose every block is its own and whose private registration waits
   * (engineRequestFor), when something first reads them (a preemption, a router's prefix scorer).
   */
  get seqBlockHashes(): Float64Array {
    if (this.partialBlockSize !== 0) this.completeHashes();
    return this.hashes ?? this.computeHashes();
  }

  /**
   * The hash array with at least its shared entries (before `sharedBlocks`) written: what a lookup
   * that cannot reach the private ones reads (no list of the key in the pool, kv-cache-manager.ts
   * lookupHits), without computing them.
   */
  get sharedHashes(): Float64Array {
    return this.hashes ?? this.computeHashes();
  }

  /** The private hashes are still to be computed (engineRequestFor: a request whose private registration can wait). */
  get hashesPartial(): boolean {
    return this.partialBlockSize !== 0;
  }

  private computeHashes(): Float64Array {
    const l = this.lazy!;
    const h = requestBlockHashes(this.src, l.blockSize, l.arena).hashes;
    this.hashes = h;
    this.lazy = null;
    return h;
  }

  /** Writes the private entries of a partial array (the whole chain again, into the same array: no memo, whose state is the run's). */
  private completeHashes(): void {
    requestBlockHashes(this.src, this.partialBlockSize, undefined, undefined, false, this.hashes!);
    this.partialBlockSize = 0;
  }

  /** `hashes` holds the shared entries only; the rest are computed (with `blockSize`) when first read (engineRequestFor). */
  markPartial(blockSize: number): void {
    this.partialBlockSize = blockSize;
  }

  /**
   * The full-prompt-block hashes: the leading entries of seqBlockHashes (what a router looks up).
   * A view made once, when first asked for: a typed-array view is an object of its own, built by
   * a builtin call, and most runs never look.
   */
  get blockHashes(): Float64Array {
    return (this.promptHashes ??= this.seqBlockHashes.subarray(0, this.promptBlocks));
  }
}

/**
 * A request as an instance with `blockSize`-token blocks sees it, its block hashes computed once
 * (into `arena` when given, its prefix levels' through the arena's memo; `uniqueIds`: see
 * EngineRequest.deferPrivate; `aloneInGroup`: no other live or later request carries its
 * exclusive prefix group, RequestLedger.aloneInGroup).
 */
export function engineRequestFor(src: ArrivalRequest, index: number, blockSize: number, arena?: BlockHashArena, uniqueIds = false, aloneInGroup = false): EngineRequest {
  if (uniqueIds && src.prefix === undefined && src.hashIds === undefined) {
    // Every block is its own (requestBlockHashes: sharedBlocks 0, the id's key) and its registration
    // waits for a preemption: the hashes wait until something reads them, which most never do.
    const r = new EngineRequest(src, index, { blockSize, arena, count: hashBlockCount(src, blockSize) }, promptBlockCount(src, blockSize), 0, ownContentKey(src));
    r.deferPrivate = true;
    return r;
  }
  // With unique ids the private blocks are registered as they fill only while another request of
  // the key is on the instance (pending-keys.ts) or after a preemption: their hashes are computed
  // when first read, which most never are (a lookup finding no list of the key reads none).
  const h = requestBlockHashes(src, blockSize, arena, arena?.memo, uniqueIds);
  const r = new EngineRequest(src, index, h.hashes, promptBlockCount(src, blockSize), h.sharedBlocks, h.idKey);
  if (!h.complete) r.markPartial(blockSize);
  // `uniqueIds`: the caller knows no other request of the run has this id (and no sibling shares it).
  if (uniqueIds && h.ownKey && h.idKey >= 0) r.deferPrivate = true;
  else if (uniqueIds && h.idKey >= 0) {
    // A group's key: the instance decides whether it waits (pending-keys.ts; when it is alone in
    // its group, the earlier requests are gone, but their blocks may still be cached: it looks them up).
    r.keyShared = true;
    if (aloneInGroup) {
      r.deferPrivate = true;
      r.privateInPool = true;
      r.keyLast = true;
    }
  }
  return r;
}

/** Removes `r` from `list` (order kept) if it is there. */
export function removeFrom(list: EngineRequest[], r: EngineRequest): void {
  const i = list.indexOf(r);
  if (i >= 0) list.splice(i, 1);
}

/** Another engine-side request for the same arrival (the decode half of a P/D request), sharing its hashes. */
export function siblingRequest(r: EngineRequest): EngineRequest {
  return new EngineRequest(r.src, r.index, r.seqBlockHashes, r.promptBlocks, r.sharedBlocks, r.idKey);
}
