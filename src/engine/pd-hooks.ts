/**
 * The prefill/decode disaggregation side of an instance (llm-d P/D over vLLM's KV connectors):
 * a prefill-only request holds its blocks after its first token until the transfer is done
 * (releaseHeld); the decode side reserves the prompt's blocks before the transfer lands
 * (reserveForTransfer), and starts decoding when it lands (startDecode). Instance extends this
 * class; the hooks touch only the scheduler's queues and blocks and the instance's counters.
 */
import type { Simulator } from '../kernel/sim.js';
import type { DropReason, EngineRequest } from './engine-request.js';
import { RequestState } from './engine-request.js';
import type { Scheduler } from './scheduler.js';

export abstract class PdHooks {
  /** Prefill-only requests done and holding their blocks for a transfer. */
  heldCount = 0;
  /** Decode-side reservations whose transfer is in flight. */
  reservedCount = 0;
  abstract enqueuedCount: number;
  abstract readonly scheduler: Scheduler;
  protected abstract readonly sim: Simulator;
  protected abstract checkFits(req: EngineRequest): DropReason | null;
  protected abstract prepare(req: EngineRequest): void;
  protected abstract kick(): void;

  /** Prefill side: frees the KV blocks a finished prefillOnly request was holding. */
  releaseHeld(req: EngineRequest): void {
    if (req.state !== RequestState.Held) throw new Error(`request ${req.src.id} is not held`);
    this.scheduler.retire(req);
    req.state = RequestState.Finished;
    this.heldCount--;
    this.kick();
  }

  /**
   * Decode side: allocates the prompt's blocks before its KV transfer, as vLLM's scheduler does
   * for a remote prefill (vLLM 0.15 v1/core/sched/scheduler.py: local prefix-cache hits first,
   * then `get_num_new_matched_tokens` asks the connector to load the rest asynchronously into
   * fresh blocks). Returns how many blocks the transfer must fill (the prompt's blocks minus this
   * instance's own cached prefix), or -1 (nothing allocated) when the request can never fit or
   * the blocks are not free now.
   */
  reserveForTransfer(req: EngineRequest): number {
    if (req.state !== RequestState.New || this.checkFits(req) !== null) return -1;
    const s = this.scheduler;
    const maxHits = Math.floor((req.inputTokens - 1) / s.blockSize);
    const hits = s.prefixCaching ? s.lookupHits(req, maxHits) : 0;
    const freeAmong = hits > 0 ? s.hitsFree : 0;
    const need = s.blocksFor(req.inputTokens) - hits;
    if (need + freeAmong > s.pool.numFree) return -1;
    this.prepare(req);
    req.enqueuedUs = this.sim.nowUs;
    s.claimHits(req, hits);
    req.cachedTokens = hits * s.blockSize;
    s.allocateBlocks(req, need);
    req.state = RequestState.Reserved;
    this.reservedCount++;
    return need;
  }

  /** Decode side: gives back a reservation whose transfer will not land (its blocks are freed). */
  cancelReservation(req: EngineRequest): void {
    if (req.state !== RequestState.Reserved) throw new Error(`request ${req.src.id} has no reservation`);
    this.scheduler.retire(req);
    req.state = RequestState.Dropped;
    this.reservedCount--;
    this.kick();
  }

  /**
   * Decode side: the transfer landed. As in vLLM 0.15 `_update_waiting_for_remote_kv`, the
   * loaded blocks enter the prefix cache and the prompt counts as computed except its last
   * token, which this instance recomputes: its first step samples the first output token, the
   * one the client receives (the prefill instance's token is not returned).
   */
  startDecode(req: EngineRequest): void {
    if (req.state !== RequestState.Reserved) throw new Error(`request ${req.src.id} has no reservation`);
    this.reservedCount--;
    this.enqueuedCount++;
    req.computedTokens = req.inputTokens - 1;
    req.numTokens = req.inputTokens;
    req.outputDone = 0;
    req.inPrefill = true;
    this.scheduler.cacheFullBlocks(req, req.computedTokens);
    // Its queue place dates from the reservation (seq), as vLLM keeps a request waiting for
    // remote KVs at its position: appending it would let a later prompt block it while it holds blocks.
    req.state = RequestState.Waiting;
    this.scheduler.waiting.pushInOrder(req);
    this.kick();
  }
}
