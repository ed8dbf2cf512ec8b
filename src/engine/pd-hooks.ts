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
  protected abstract finish(r: EngineRequest, now: number): void;

  /** Prefill side: frees the KV blocks a finished prefillOnly request was holding. */
  releaseHeld(req: EngineRequest): void {
    if (req.state !== RequestState.Held) throw new Error(`request ${req.src.id} is not held`);
    this.scheduler.releaseBlocks(req);
    req.state = RequestState.Finished;
    this.heldCount--;
    this.kick();
  }

  /**
   * Decode side: allocates blocks for the prompt before its KV transfer lands.
   * False (nothing allocated) when the request can never fit or the blocks are not free now.
   */
  reserveForTransfer(req: EngineRequest): boolean {
    if (req.state !== RequestState.New || this.checkFits(req) !== null) return false;
    const s = this.scheduler;
    const need = s.blocksFor(req.inputTokens);
    if (need > s.pool.numFree) return false;
    this.prepare(req);
    req.enqueuedUs = this.sim.nowUs;
    s.allocateBlocks(req, need);
    s.cacheFullBlocks(req, req.inputTokens);
    req.state = RequestState.Reserved;
    this.reservedCount++;
    return true;
  }

  /** Decode side: gives back a reservation whose transfer will not land (its blocks are freed). */
  cancelReservation(req: EngineRequest): void {
    if (req.state !== RequestState.Reserved) throw new Error(`request ${req.src.id} has no reservation`);
    this.scheduler.releaseBlocks(req);
    req.state = RequestState.Dropped;
    this.reservedCount--;
    this.kick();
  }

  /** Decode side: the transfer landed; the request joins the queue with its prompt computed and first token known. */
  startDecode(req: EngineRequest): void {
    if (req.state !== RequestState.Reserved) throw new Error(`request ${req.src.id} has no reservation`);
    this.reservedCount--;
    this.enqueuedCount++;
    req.computedTokens = req.inputTokens;
    req.outputDone = 1;
    req.numTokens = req.inputTokens + 1;
    req.inPrefill = false;
    req.cachedTokens = req.inputTokens;
    if (req.outputTokens <= 1) {
      this.scheduler.releaseBlocks(req);
      this.finish(req, this.sim.nowUs);
      return;
    }
    // Its queue place dates from the reservation (seq), as vLLM keeps a request waiting for
    // remote KVs at its position: appending it would let a later prompt block it while it holds blocks.
    req.state = RequestState.Waiting;
    this.scheduler.waiting.pushInOrder(req);
    this.kick();
  }
}
