/**
 * The prefill/decode disaggregation side of an instance (llm-d P/D over vLLM's NixlConnector):
 * a prefill-only request holds its blocks after its first token until a step reports that the
 * decode side has read them (sendDone, then finished_sending); a decode-side request
 * (`EngineRequest.remotePrefill`) is enqueued like any other, and the scheduler allocates its
 * prompt's blocks when its waiting loop reaches it (scheduler.ts, cpu-load-manager.ts); the
 * instance then starts the transfer when a step carries that allocation
 * (InstanceListener.onRemoteLoad) and hears when it lands (remoteLanded). Instance extends this
 * class; the hooks touch only the scheduler's queues and blocks and the instance's counters.
 */
import type { Simulator } from '../kernel/sim.js';
import { emptyList } from '../kernel/arrays.js';
import type { EngineRequest } from './engine-request.js';
import type { InstanceListener } from './instance-listener.js';
import { RequestState, removeFrom } from './engine-request.js';
import type { Scheduler } from './scheduler.js';

export abstract class PdHooks {
  /** Prefill-only requests done and holding their blocks for a transfer. */
  get heldCount(): number {
    return this.scheduler.heldForTransfer;
  }
  /** A step is in flight (StepEnd pending). */
  protected busy = false;
  /** Held requests the decode side has read, in the order it finished, until a step reports them (finished_sending). */
  protected readonly sent: EngineRequest[] = [];
  abstract readonly scheduler: Scheduler;
  protected abstract readonly sim: Simulator;
  protected abstract readonly listener: InstanceListener;
  protected abstract kick(): void;

  /** Held requests whose blocks the decode side has read, waiting for a step to report it. */
  get readDone(): number {
    return this.sent.length;
  }

  /** Prefill side: a prefill-only request finished; its blocks stay held for the decode side's read. */
  protected hold(req: EngineRequest): void {
    req.state = RequestState.Held;
    this.scheduler.heldForTransfer++;
  }

  /** Prefill side: a held request leaves otherwise (an abort); the caller frees its blocks, and no report will. */
  protected dropHeld(req: EngineRequest): void {
    this.scheduler.heldForTransfer--;
    removeFrom(this.sent, req);
  }

  /**
   * Prefill side: the decode side finished reading `req`'s held blocks now. vLLM frees them when a
   * step's output reports it (NixlConnector get_finished → finished_sending → _free_blocks): the
   * step in flight, at its end; with no step in flight, at once when requests wait (the engine
   * keeps stepping, without a forward, while it has requests); an engine without requests runs no
   * step, so they stay held until its next one ends (or finds nothing to schedule).
   */
  sendDone(req: EngineRequest): void {
    if (req.state !== RequestState.Held || this.sent.includes(req)) return;
    this.sent.push(req);
    if (!this.busy && this.scheduler.waiting.length > 0) this.reportSent();
  }

  /** A step's output reports the reads done so far: their blocks are freed, in the order the reads finished. */
  protected reportSent(): void {
    const sent = this.sent;
    for (let k = 0; k < sent.length; k++) this.releaseHeld(sent[k]!);
    emptyList(sent);
  }

  /** Prefill side: frees the KV blocks a finished prefillOnly request was holding. */
  releaseHeld(req: EngineRequest): void {
    if (req.state !== RequestState.Held) throw new Error(`request ${req.src.id} is not held`);
    this.scheduler.retire(req);
    req.state = RequestState.Finished;
    this.scheduler.heldForTransfer--;
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
    // With no step in flight, an idle engine's empty steps poll the loads landed by now.
    if (this.scheduler.remoteLanded(req, this.sim.nowUs) && !this.busy && this.scheduler.releaseLoads(Number.MAX_SAFE_INTEGER, this.sim.nowUs)) this.kick();
  }

  /**
   * Decode side: P/D transfers allocated by formations up to `uptoSeq` start now, the step
   * launched carrying them (the worker's start_load_kv); an idle engine's empty step carries
   * every pending one.
   */
  protected startTransfers(uptoSeq: number): void {
    const starts = this.scheduler.remoteStarts;
    let w = 0;
    for (let k = 0; k < starts.length; k++) {
      const r = starts[k]!;
      if (r.loadStepSeq > uptoSeq) starts[w++] = r;
      else this.listener.onRemoteLoad?.(r, r.remoteBlocks);
    }
    starts.length = w;
  }
}
