/**
 * The prefill/decode disaggregation side of an instance (llm-d P/D over vLLM's NixlConnector):
 * a prefill-only request holds its blocks after its first token until the transfer is done
 * (releaseHeld); a decode-side request (`EngineRequest.remotePrefill`) is enqueued like any other,
 * and the scheduler allocates its prompt's blocks when its waiting loop reaches it (scheduler.ts,
 * cpu-load-manager.ts); the instance then starts the transfer when a step carries that allocation
 * (InstanceListener.onRemoteLoad) and hears when it lands (remoteLanded). Instance extends this
 * class; the hooks touch only the scheduler's queues and blocks and the instance's counters.
 */
import type { Simulator } from '../kernel/sim.js';
import type { EngineRequest } from './engine-request.js';
import { RequestState } from './engine-request.js';
import type { Scheduler } from './scheduler.js';

export abstract class PdHooks {
  /** Prefill-only requests done and holding their blocks for a transfer. */
  heldCount = 0;
  abstract readonly scheduler: Scheduler;
  protected abstract readonly sim: Simulator;
  protected abstract kick(): void;
  /** Reports the loads landed by now when no step is in flight (an idle engine's empty steps poll them). */
  protected abstract reportLoadsIfIdle(): void;

  /** Prefill side: frees the KV blocks a finished prefillOnly request was holding. */
  releaseHeld(req: EngineRequest): void {
    if (req.state !== RequestState.Held) throw new Error(`request ${req.src.id} is not held`);
    this.scheduler.retire(req);
    req.state = RequestState.Finished;
    this.heldCount--;
    this.kick();
  }

  /**
   * Decode side: the P/D transfer into `req`'s blocks landed now (nothing happens for a request
   * aborted since: its blocks were freed at the abort). The worker's get_finished sees
   * it at the end of the first step that ends from now on (finished_recving), or at once when no
   * step runs (vLLM's engine keeps stepping, without a forward, while a request waits for remote
   * KVs); the waiting loop then promotes the request where it stands, as in vLLM 0.15
   * `_update_waiting_for_remote_kv`: the prompt counts as computed except its last token, which
   * its first step recomputes, sampling the first token the client receives.
   */
  remoteLanded(req: EngineRequest): void {
    if (this.scheduler.remoteLanded(req, this.sim.nowUs)) this.reportLoadsIfIdle();
  }
}
