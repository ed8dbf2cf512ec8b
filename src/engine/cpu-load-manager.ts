/**
 * CPU-tier loads from the scheduler's side, after vLLM 0.15's OffloadingConnector and
 * v1/core/sched/scheduler.py: a waiting request whose prefix continues in the CPU tier gets GPU
 * blocks for it and waits for the copy (WAITING_FOR_REMOTE_KVS) at its queue place; the engine
 * reports the copy done at a step's end (kv-loads.ts); the waiting loop then promotes the request
 * where it stands (_update_waiting_for_remote_kv) and schedules it. Scheduler extends this class.
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
    this.cpuHitTokens += computed - r.computedTokens;
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
