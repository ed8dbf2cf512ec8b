/**
 * CPU-tier loads in flight and when they are reported, after vLLM 0.15's KV connector protocol:
 * a load started at a formation is reported (`finished_recving` in a step's KVConnectorOutput) at
 * the end of the first step that ends after its data landed and was formed no earlier than the
 * load; with no step running, the instance's poll timer reports it (vLLM runs empty steps that
 * poll `get_finished`). Two lists are kept:
 * - `loading`: requests waiting for their blocks (WAITING_FOR_REMOTE_KVS); they keep their place
 *   in the waiting queue, passed over until reported, then promoted there (CpuLoadManager.promoteLoaded);
 * - `aborted`: requests aborted while their load was in flight. vLLM's `finish_requests` frees
 *   such a request with `delay_free_blocks` (its id is not yet in `finished_recving_kv_req_ids`:
 *   the load is still writing its blocks), and `_update_from_kv_xfer_finished` frees them once the
 *   load is reported. They count nowhere else (not waiting, not in the router's view).
 * While a load is in flight its tier blocks are pinned (prepare_load → complete_load) and their
 * hashes are "being loaded": a request whose CPU hit includes one is passed over until the load
 * is reported (offloading_connector get_num_new_matched_tokens returns None, `_blocks_being_loaded`).
 */
import type { CpuKvTier } from './cpu-tier.js';
import type { EngineRequest } from './engine-request.js';

export class KvLoads {
  /** Requests whose prefix blocks load from the CPU tier (vLLM WAITING_FOR_REMOTE_KVS). */
  readonly loading: EngineRequest[] = [];
  /** Aborted requests whose load is still in flight: their blocks wait for it to be reported. */
  readonly aborted: EngineRequest[] = [];

  /** Hashes of the tier blocks loads in flight read (one load per hash at a time: anyBeingLoaded holds the others back). */
  private readonly beingLoaded = new Set<number>();

  get any(): boolean {
    return this.loading.length > 0 || this.aborted.length > 0;
  }

  /** r starts loading blocks [from, from + n) of its chain: they are pinned and being loaded. */
  start(r: EngineRequest, cpu: CpuKvTier, from: number, n: number): void {
    r.loadFromBlock = from;
    r.loadBlocks = n;
    cpu.pin(r.seqBlockHashes, from, n);
    for (let i = from; i < from + n; i++) this.beingLoaded.add(r.seqBlockHashes[i]!);
    this.loading.push(r);
  }

  /** r's load is reported (or dropped): its blocks are unpinned and no longer being loaded. */
  end(r: EngineRequest, cpu: CpuKvTier): void {
    if (r.loadBlocks === 0) return;
    cpu.unpin(r.seqBlockHashes, r.loadFromBlock, r.loadBlocks);
    for (let i = r.loadFromBlock; i < r.loadFromBlock + r.loadBlocks; i++) this.beingLoaded.delete(r.seqBlockHashes[i]!);
    r.loadBlocks = 0;
  }

  /** r, loading, was aborted: its load goes on, and its blocks wait for the report (`aborted`). */
  abort(r: EngineRequest): void {
    const i = this.loading.indexOf(r);
    if (i >= 0) this.loading.splice(i, 1);
    this.aborted.push(r);
  }

  /** Some block among hashes[from, from + n) is being loaded by a load in flight. */
  anyBeingLoaded(hashes: Float64Array, from: number, n: number): boolean {
    if (this.beingLoaded.size === 0) return false;
    for (let i = from; i < from + n; i++) if (this.beingLoaded.has(hashes[i]!)) return true;
    return false;
  }

  /** When the earliest load in flight (live or aborted) lands, µs (MAX_SAFE_INTEGER when none). */
  earliestDoneUs(): number {
    let t = Number.MAX_SAFE_INTEGER;
    for (const r of this.loading) if (r.loadDoneUs < t) t = r.loadDoneUs;
    for (const r of this.aborted) if (r.loadDoneUs < t) t = r.loadDoneUs;
    return t;
  }
}

/**
 * Removes from `list` the loads a step formed at `seq` and ending at `nowUs` reports (landed by
 * then, started by a formation up to `seq`), from the last to the first, and hands each to
 * `done`; true if any. The order lets `done` push to the front of a queue and keep list order.
 */
export function takeReported(list: EngineRequest[], seq: number, nowUs: number, done: (r: EngineRequest) => void): boolean {
  let last = -1;
  for (let k = list.length - 1; k >= 0; k--) {
    const r = list[k]!;
    if (r.loadDoneUs > nowUs || r.loadStepSeq > seq) continue;
    done(r);
    list[k] = null as unknown as EngineRequest;
    last = k;
  }
  if (last < 0) return false;
  let w = 0;
  for (let k = 0; k < list.length; k++) if (list[k] !== null) list[w++] = list[k]!;
  list.length = w;
  return true;
}
