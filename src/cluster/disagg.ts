/**
 * The P/D phases after a disaggregated request's prefill (llm-d's P/D sidecar flow): at the
 * first token, decode routing over the model's decode pool; the chosen instance reserves blocks
 * for the prompt (any other eligible one with room if it has none; else the request waits, its
 * prefill blocks held, and is retried when decode blocks may have freed); the KV moves over the
 * prefill instance's processor-sharing link; on landing the prefill side frees its blocks and the
 * decode joins the decode instance's queue at its reservation's place.
 */
import type { Simulator } from '../kernel/sim.js';
import { EngineRequest, RequestState, siblingRequest } from '../engine/engine-request.js';
import type { Instance } from '../engine/instance.js';
import { kvBytesPerBlock } from '../model/kv-sizing.js';
import type { ClusterConfig } from './config.js';
import type { Fleet } from './fleet.js';
import { TransferLink, type TransferListener } from './kv-transfer.js';
import type { RequestStatus } from './record.js';
import type { RoutingPolicy } from './routing.js';
import { Phase, type Tracked, type Transfer } from './tracked.js';
import type { MutableRouterView } from './view.js';

/** What the P/D flow needs from the cluster. */
export interface DisaggHost {
  readonly sim: Simulator;
  readonly config: ClusterConfig;
  readonly view: MutableRouterView;
  readonly fleet: Fleet;
  /** The router keeps a delayed KV view (advance it before routing). */
  readonly kvView: boolean;
  /** Emits the request's record (a decode-side drop). */
  finish(t: Tracked, status: RequestStatus, reason: string): void;
  /** A request left instance `id` (drain checks, live view). */
  instanceWorkDone(id: number): void;
}

export class Disaggregation implements TransferListener<Transfer> {
  private readonly links: Array<TransferLink<Transfer> | undefined> = [];
  private readonly awaitingDecode: Tracked[] = [];

  constructor(private readonly host: DisaggHost, private readonly policy: RoutingPolicy) {}

  /** After the prefill's first token: pick a decode instance, reserve its blocks, start the transfer. */
  routeDecode(t: Tracked): void {
    const now = this.host.sim.nowUs;
    if (t.closed) return;
    const policy = this.policy;
    const n = this.host.fleet.markEligible(this.host.view.eligible, t.modelIndex, Phase.Decode);
    if (n === 0) {
      this.awaitingDecode.push(t);
      return;
    }
    if (this.host.kvView) this.host.view.kvIndex.advance(now);
    const req = t.decodeReq ?? (t.decodeReq = siblingRequest(t.req));
    let chosen = policy.pick(this.host.view, req, now);
    const inst = this.host.fleet.instances[chosen]!;
    if (!this.fitsEver(inst, req)) {
      this.releasePrefill(t);
      this.host.finish(t, 'dropped', req.inputTokens + req.outputTokens > inst.config.maxModelLen ? 'exceeds-max-model-len' : 'exceeds-kv-capacity');
      return;
    }
    // The picked instance has no free blocks now: take any eligible one that has, else wait.
    if (!inst.reserveForTransfer(req)) {
      chosen = -1;
      const size = this.host.fleet.size;
      for (let k = 0; k < size && chosen < 0; k++) {
        const i = (t.req.index + k) % size;
        if (this.host.view.eligible[i] === 1 && this.host.fleet.instances[i]!.reserveForTransfer(req)) chosen = i;
      }
      if (chosen < 0) {
        this.awaitingDecode.push(t);
        return;
      }
    }
    if (policy.lastScores) t.decodeScores = policy.lastScores(chosen);
    policy.onRouted?.(req, chosen, now);
    this.host.view.active[chosen]!++;
    t.decodeInstance = chosen;
    t.decodePool = this.host.fleet.pool(chosen).name;
    t.decodeRoutedUs = now;
    const prefillPool = this.host.fleet.pool(t.instance);
    const blocks = Math.ceil(req.inputTokens / this.host.config.blockSize);
    const bytes = blocks * kvBytesPerBlock(prefillPool.model, 1, this.host.config.blockSize);
    t.transferStartUs = now;
    t.transferBytes = bytes;
    let link = this.links[t.instance];
    if (link === undefined) {
      link = new TransferLink<Transfer>(this.host.sim, this.host.config.pdTransferBandwidthBytesPerS, this.host.config.pdTransferLatencyUs, this);
      this.links[t.instance] = link;
    }
    link.start({ t, bytes, remainingBytes: bytes, startUs: now });
  }

  private fitsEver(inst: Instance, req: EngineRequest): boolean {
    if (req.inputTokens + req.outputTokens > inst.config.maxModelLen) return false;
    return Math.ceil((req.inputTokens + req.outputTokens - 1) / inst.config.blockSize) <= inst.kvTotalBlocks;
  }

  onTransferLanded(flow: Transfer, tUs: number): void {
    const t = flow.t;
    if (t.closed) return; // timed out in flight: both sides were aborted
    t.transferEndUs = tUs;
    this.releasePrefill(t);
    t.decodeEnqueuedUs = this.host.sim.nowUs;
    this.host.fleet.instances[t.decodeInstance]!.startDecode(t.decodeReq!);
  }

  /** Frees the prefill side's held blocks (after the transfer, or when the request ends). */
  releasePrefill(t: Tracked): void {
    if (t.req.state !== RequestState.Held) return;
    this.host.fleet.instances[t.instance]!.releaseHeld(t.req);
    this.host.instanceWorkDone(t.instance);
  }

  /** Retries the requests waiting for decode blocks (after blocks may have freed). */
  retryAwaiting(): void {
    if (this.awaitingDecode.length === 0) return;
    const waiting = this.awaitingDecode.splice(0);
    for (const t of waiting) this.routeDecode(t);
  }
}
