/**
 * Requests that left the instance while the CPU tier's connector still holds their GPU blocks,
 * after vLLM 0.15's OffloadingConnector (distributed/kv_transfer/kv_connector/v1/offloading_connector.py):
 * - `OffloadingConnectorScheduler.request_finished` returns `req_id in self._reqs_being_stored`
 *   as delay_free_blocks: a request that ever had a store job (`_get_reqs_to_store` found a block
 *   the tier lacked; preemption empties the set but keeps the key) keeps its blocks when it
 *   finishes or is aborted (scheduler.py `_free_request` skips `_free_blocks`);
 * - its id rides on the next SchedulerOutput (`finished_req_ids`); the worker's `get_finished`,
 *   run at the end of that step (or of an empty, no-forward step: `kv_connector_no_forward`),
 *   reports it in `finished_sending` once its store jobs are done (stores are instant here), and
 *   `_update_from_kv_xfer_finished` frees the blocks, after the step's finished requests.
 * So a held request is released at the commit of the first step formed after it left (its
 * `storeCarrySeq`), or at once when that formation is empty (the engine still runs the step).
 */
import type { EngineRequest } from './engine-request.js';

export class KvStoreHolds {
  /** Left the instance, blocks held until the formation `storeCarrySeq` reports its stores. */
  readonly held: EngineRequest[] = [];

  get any(): boolean {
    return this.held.length > 0;
  }

  hold(r: EngineRequest, carrySeq: number): void {
    r.storeCarrySeq = carrySeq;
    this.held.push(r);
  }

  /** Hands to `free` the held requests a step formed at `seq` reports, in the order they left; true if any. */
  release(seq: number, free: (r: EngineRequest) => void): boolean {
    const held = this.held;
    let w = 0;
    for (let k = 0; k < held.length; k++) {
      const r = held[k]!;
      if (r.storeCarrySeq <= seq) free(r);
      else held[w++] = r;
    }
    const any = w < held.length;
    held.length = w;
    return any;
  }
}
