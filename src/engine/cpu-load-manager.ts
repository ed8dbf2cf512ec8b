/**
 * Asynchronous KV loads from the scheduler's side, after vLLM 0.15 v1/core/sched/scheduler.py: a
 * waiting request whose KV comes from outside gets GPU blocks for it and waits for the copy
 * (WAITING_FOR_REMOTE_KVS) at its queue place; the engine reports the copy done at a step's end
 * (kv-loads.ts); the waiting loop then promotes the request where it stands
 * (_update_waiting_for_remote_kv) and schedules it. Two connectors load this way:
 * - the CPU tier (OffloadingConnector): a prefix continuing in the tier, landing after a time per block;
 * - P/D (NixlConnector, decode side): a `remotePrefill` request's prompt, pulled from the prefill
 *   instance. The read starts when a step carries the formation that allocated the blocks (the
 *   worker's start_load_kv; `remoteStarts`, drained by the instance) and lands when the cluster's
 *   link says so (`remoteLanded`).
 * Scheduler extends this class.
 */
import type { InstanceConfig } from './config.js';
import { RequestState, type EngineRequest } from './engine-request.js';
import { KvCacheManager } from './kv-cache-manager.js';
import { KvLoads, takeReported } from './kv-loads.js';

export class CpuLoadManager extends KvCacheManager {
  /** CPU-tier loads in flight, live and aborted (kv-loads.ts). */
  readonly loads = new KvLoads();
  /** Requests whose prefix blocks load from the CPU tier (vLLM WAITING_FOR_REMOTE_KVS; they also keep their place in the waiting queue). */
  readonly loading = this.loads.loading;
  /** Tokens loaded from the CPU tier, and the loads that brought them. */
  cpuHitTokens = 0;
  cpuLoads = 0;
  private readonly loadUsPerBlock: number;
  /** P/D transfers allocated by formations and not yet started, in allocation order (Instance starts them). */
  readonly remoteStarts: EngineRequest[] = [];

  constructor(cfg: InstanceConfig) {
    super(cfg);
    this.loadUsPerBlock = cfg.cpuTier?.loadUsPerBlock ?? 0;
  }

  /** A CPU-tier load of `n` blocks after r's `hits` GPU hits starts now (prepare_load): they are pinned in the tier, the request waits in the queue. */
  protected startLoad(r: EngineRequest, hits: number, n: number, nowUs: number, seq: number): void {
    r.state = RequestState.LoadingKv;
    r.loadReported = false;
    r.loadTokens = n * this.blockSize;
    r.loadDoneUs = nowUs + Math.round(n * this.loadUsPerBlock);
    r.loadStepSeq = seq;
    // update_state_after_alloc: the store pass resumes past the hit and loaded blocks.
    r.nextStoreBlock = r.storeSeenBlocks = hits + n;
    this.loads.start(r, this.cpu!, hits, n);
    this.cpuLoads++;
  }

  /**
   * The waiting loop reaches a P/D remote prefill (NixlConnector get_num_new_matched_tokens): its
   * local prefix hits, then blocks for the rest of the prompt, which the transfer fills. False
   * (nothing taken) when the blocks are not free.
   */
  protected allocateRemote(r: EngineRequest, seq: number): boolean {
    const hits = this.prefixCaching ? this.lookupHits(r, Math.floor((r.numTokens - 1) / this.blockSize)) : 0;
    const evictable = hits > 0 ? this.hitsFree : 0;
    const need = this.blocksFor(r.numTokens) - hits;
    if (need * this.lanes + evictable > this.pool.numFree) return false;
    this.claimHits(r, hits);
    this.allocateBlocks(r, need);
    this.startRemoteLoad(r, hits, need, seq);
    return true;
  }

  /**
   * A P/D transfer of `n` blocks after r's `hits` local prefix hits is allocated by formation `seq`
   * (the prompt past the hits, loaded asynchronously; update_state_after_alloc: one transfer per
   * request). It has not landed: its landing time is unknown until the link drains it (remoteLanded).
   */
  private startRemoteLoad(r: EngineRequest, hits: number, n: number, seq: number): void {
    r.state = RequestState.LoadingKv;
    r.remotePrefill = false;
    r.remoteBlocks = n;
    r.loadReported = false;
    r.loadDoneUs = Number.MAX_SAFE_INTEGER;
    r.loadStepSeq = seq;
    r.loadFromBlock = hits;
    r.loadBlocks = 0;
    // The decode side's own prefix hits, as the request reports them (its first scheduling adds nothing).
    r.cachedTokens = hits * this.blockSize;
    this.loading.push(r);
    this.remoteStarts.push(r);
  }

  /** r's P/D transfer landed at `nowUs`: a step ending from then on reports it. False if r has no transfer waiting (aborted, or reported already). */
  remoteLanded(r: EngineRequest, nowUs: number): boolean {
    if (r.remoteBlocks === 0 || r.loadDoneUs !== Number.MAX_SAFE_INTEGER) return false;
    r.loadDoneUs = nowUs;
    return true;
  }

  /**
   * A CPU-tier load is reported (finished_recving): its pins go (complete_load); the request stays
   * at its queue place until the waiting loop reaches it (promoteLoaded).
   */
  private loadReported(r: EngineRequest): void {
    this.loads.end(r, this.cpu!);
    r.loadReported = true;
  }

  /**
   * The waiting loop reaches a request whose load was reported (_update_waiting_for_remote_kv):
   * it is computed up to its blocks, one token short of its known tokens at most, and the blocks
   * full of computed tokens join the GPU prefix cache (cache_blocks).
   */
  protected promoteLoaded(r: EngineRequest): void {
    let computed = r.numBlocks * this.blockSize;
    if (computed >= r.numTokens) computed = r.numTokens - 1;
    const full = Math.floor(computed / this.blockSize);
    for (let k = r.numHashedBlocks; k < full; k++) this.pool.cache(r.blocks[k]!, r.seqBlockHashes[k]!, k >= r.sharedBlocks ? r.idKey : -1, k);
    if (full > r.numHashedBlocks) r.numHashedBlocks = full;
    if (r.remoteBlocks === 0) this.cpuHitTokens += computed - r.computedTokens;
    r.computedTokens = computed;
    r.loadDoneUs = -1;
    r.loadReported = false;
    r.state = RequestState.Waiting;
  }

  /**
   * CPU-tier loads that landed by `nowUs` and were started by a step up to `seq` are reported:
   * live ones wait to be promoted where they stand in the queue, aborted ones free their blocks;
   * true if any did (vLLM polls finished loads each step).
   */
  releaseLoads(seq: number, nowUs: number): boolean {
    const freed = this.loads.aborted.length > 0 && takeReported(this.loads.aborted, seq, nowUs, this.retireLoad);
    return takeReported(this.loading, seq, nowUs, this.loadReportedFn) || freed;
  }

  private readonly loadReportedFn = (r: EngineRequest): void => this.loadReported(r);
  /** An aborted request's load is reported: its pins go, then its blocks (finish_requests delayed their free). */
  private readonly retireLoad = (r: EngineRequest): void => {
    this.loads.end(r, this.cpu!);
    this.retire(r);
  };
}
