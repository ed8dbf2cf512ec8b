/**
 * Prefill/decode disaggregation as llm-d serves it (llm-d-inference-scheduler
 * pkg/plugins/profile/pd_profile_handler.go and the decode pod's routing sidecar):
 * 1. the decode profile runs first: a decode instance is picked for the request;
 * 2. the P/D decider looks at that instance (prefix-threshold: the prompt tokens it is believed
 *    to hold) and either serves the request whole there, or runs the prefill profile, which
 *    picks a prefill instance (if none is eligible, the decode instance serves it whole). llm-d's
 *    prefix-based decider reads the pod's PrefixCacheMatchInfo, which its default producer, the
 *    approximate prefix index (requestcontrol/dataproducer/approximateprefix/plugin.go `Produce`),
 *    fills from the blocks the router itself sent to each pod (its `PreRequest` adds the request
 *    to the decode pod and the prefill pod the moment they are picked), and the
 *    precise-prefix-cache scorer overwrites from the pods' KV events when it is configured. So
 *    blis keeps such an index of its own for the decider, fed at every pick, and reads the delayed
 *    KV view instead when a precise-prefix-cache scorer routes;
 * 3. the sidecar sends the prompt to the prefill instance (max_tokens 1, its blocks held after);
 *    when the prefill answers, the request reaches the decode instance's vLLM and waits in its
 *    queue; its scheduler allocates the prompt's blocks when its waiting loop reaches it (its own
 *    cached prefix reused; blocks short or max_num_seqs running stop the loop, as for any request),
 *    and a step carrying that allocation starts the pull over the prefill instance's link
 *    (processor sharing, kv-transfer.ts);
 * 4. on landing, a step of each side reports it: the prefill side frees its held blocks
 *    (finished_sending), and the decode instance recomputes the last prompt token, sampling the
 *    first token the client sees (finished_recving, vLLM `_update_waiting_for_remote_kv`).
 * The client's TTFT therefore holds the prefill, the wait for the decode scheduler and its step,
 * the transfer, a decode step to report it and the decode instance's first step. Both routing
 * decisions' scores are kept on the record.
 */
import type { Simulator } from '../kernel/sim.js';
import { siblingRequest, type EngineRequest } from '../engine/engine-request.js';
import { dropReason } from '../engine/config.js';
import { kvBytesPerBlock } from '../model/kv-sizing.js';
import type { ClusterConfig } from './config.js';
import type { Fleet } from './fleet.js';
import { TransferLink, type TransferListener } from './kv-transfer.js';
import type { RequestLedger } from './ledger.js';
import type { PdDecision } from './pd-decider.js';
import type { RequestStatus } from './record.js';
import type { RoutingPolicy } from './routing.js';
import { scorersNeedCacheView } from './scorers/registry.js';
import { PrefixAffinityIndex } from './scorers/prefix-affinity.js';
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
  /** Counts the request on its decode instance from routing on. */
  readonly ledger: RequestLedger;
  /** Emits the request's record (rejected, dropped). */
  finish(t: Tracked, status: RequestStatus, reason: string): void;
  /** A request left instance `id` (drain checks, live view). */
  instanceWorkDone(id: number): void;
  /** Hands a request to an instance (in-flight and active counts, engine enqueue). */
  enqueue(t: Tracked, instance: number, req: EngineRequest): void;
}

/** The decode and prefill routing policies (llm-d's decode and prefill scheduling profiles). */
export interface PdPolicies {
  readonly decode: RoutingPolicy;
  readonly prefill: RoutingPolicy;
}

export class Disaggregation implements TransferListener<Transfer> {
  private readonly links: Array<TransferLink<Transfer> | undefined> = [];
  private readonly oneHot: Uint8Array;
  private readonly matched: Float64Array;
  /** The decider's approximate prefix index (llm-d's default PrefixCacheMatchInfo producer), or null. */
  private readonly prefixIndex: PrefixAffinityIndex | null;

  /** `readsPrefix`: the decider needs the decode instance's cached prompt (PdDeciderEntry.needsCacheView). */
  constructor(
    private readonly host: DisaggHost,
    private readonly policies: PdPolicies,
    private readonly decide: (d: PdDecision) => boolean,
    readsPrefix: boolean,
  ) {
    const cap = host.config.maxInstances;
    this.oneHot = new Uint8Array(cap);
    this.matched = new Float64Array(cap);
    const o = host.config.routingScorerOptions['prefix-affinity'];
    this.prefixIndex = readsPrefix && !scorersNeedCacheView(host.config.routingScorers, host.config.registries.scorers)
      ? new PrefixAffinityIndex(cap, o?.['lruCapacityPerServer'] ?? 0, o?.['maxPrefixBlocks'])
      : null;
  }

  /** Routes a request of a model with prefill pools: decode instance first, then maybe a prefill instance. */
  dispatch(t: Tracked): void {
    const h = this.host;
    const now = h.sim.nowUs;
    const view = h.view;
    h.fleet.markEligible(view.eligible, t.modelIndex, Phase.Decode);
    if (h.kvView) view.kvIndex.advance(now);
    const decode = this.policies.decode;
    const d = decode.pick(view, t.req, now);
    if (d < 0) {
      t.admission = 'rejected';
      h.finish(t, 'rejected', 'no-eligible-instance');
      return;
    }
    const decodeScores = decode.lastScores?.(d);
    decode.onRouted?.(view, t.req, d, now);
    t.routedUs = now;
    const split = this.decide({ inputTokens: t.req.inputTokens, outputTokens: t.req.outputTokens, cachedTokens: this.cachedOn(d, t) });
    const p = split ? this.pickPrefill(t, now) : -1;
    // llm-d's approximate index learns the request on the decode pod and the prefill pod once both are picked (PreRequest).
    this.prefixIndex?.onRouted(view, t.req, d);
    if (p >= 0) this.prefixIndex?.onRouted(view, t.req, p);
    if (p < 0) {
      // Decode-only: the decode instance serves the whole request (the sidecar passes it to its own vLLM).
      t.instance = d;
      t.pool = h.fleet.pool(d).name;
      if (decodeScores) t.scores = decodeScores;
      h.enqueue(t, d, t.req);
      return;
    }
    const decodeInst = h.fleet.instances[d]!;
    const drop = dropReason(decodeInst.config, t.req.inputTokens, t.req.outputTokens);
    if (drop !== null) {
      h.finish(t, 'dropped', drop);
      return;
    }
    t.disagg = true;
    t.instance = p;
    t.pool = h.fleet.pool(p).name;
    t.decodeInstance = d;
    t.decodePool = h.fleet.pool(d).name;
    t.decodeRoutedUs = now;
    if (decodeScores) t.decodeScores = decodeScores;
    t.decodeReq = siblingRequest(t.req);
    h.ledger.dispatchedDecode(t, d);
    t.req.prefillOnly = true;
    h.enqueue(t, p, t.req);
  }

  /** The prefill profile: a prefill instance for the request, or -1 when none is eligible. */
  private pickPrefill(t: Tracked, now: number): number {
    const h = this.host;
    if (h.fleet.markEligible(h.view.eligible, t.modelIndex, Phase.Prefill) === 0) return -1;
    const prefill = this.policies.prefill;
    const p = prefill.pick(h.view, t.req, now);
    if (p < 0) return -1;
    if (prefill.lastScores) t.scores = prefill.lastScores(p);
    prefill.onRouted?.(h.view, t.req, p, now);
    return p;
  }

  /**
   * Prompt tokens instance `d` is believed to hold: llm-d's MatchBlocks × block size, from the
   * decider's approximate index, or the router's delayed KV view under precise-prefix-cache routing.
   */
  private cachedOn(d: number, t: Tracked): number {
    const h = this.host;
    if (this.prefixIndex !== null) {
      // view.eligible marks the decode candidates, d among them.
      return Math.min(t.req.inputTokens, this.prefixIndex.matchedBlocks(h.view, t.req, d, this.matched) * h.config.engine.blockSize);
    }
    if (!h.kvView) return 0;
    this.oneHot[d] = 1;
    h.view.kvIndex.matchedBlocks(t.req.blockHashes, this.oneHot, h.fleet.size, this.matched);
    this.oneHot[d] = 0;
    return Math.min(t.req.inputTokens, this.matched[d]! * h.config.engine.blockSize);
  }

  /**
   * The prefill instance answered (its token time): the request reaches the decode instance's vLLM
   * as a remote prefill and waits in its queue; its scheduler allocates the prompt's blocks when it
   * gets to it, and a step carrying that allocation starts the transfer (startTransfer).
   */
  prefillDone(t: Tracked): void {
    if (t.closed) return;
    const h = this.host;
    const now = h.sim.nowUs;
    t.prefillDoneUs = now;
    t.decodeEnqueuedUs = now;
    const req = t.decodeReq!;
    req.remotePrefill = true;
    h.fleet.instances[t.decodeInstance]!.enqueue(req);
  }

  /** The decode instance's step carries the allocation of `blocks` blocks for the request: the pull over the prefill instance's link starts. */
  startTransfer(t: Tracked, blocks: number): void {
    const h = this.host;
    const now = h.sim.nowUs;
    const prefillPool = h.fleet.pool(t.instance);
    const bytes = blocks * kvBytesPerBlock(prefillPool.model, 1, h.config.engine.blockSize);
    t.transferStartUs = now;
    t.transferBytes = bytes;
    let link = this.links[t.instance];
    if (link === undefined) {
      link = new TransferLink<Transfer>(h.sim, h.config.pdTransferBandwidthBytesPerS, h.config.pdTransferLatencyUs, this);
      this.links[t.instance] = link;
    }
    link.start({ t, bytes, remainingBytes: bytes, startUs: now });
  }

  onTransferLanded(flow: Transfer, tUs: number): void {
    const t = flow.t;
    // The prefill side frees its held blocks when one of its steps reports the read (sendDone).
    this.host.fleet.instances[t.instance]!.sendDone(t.req);
    this.host.instanceWorkDone(t.instance);
    // Timed out in flight: the decode side was aborted and freed its blocks then, as NixlConnector does.
    if (t.closed) return;
    t.transferEndUs = tUs;
    this.host.fleet.instances[t.decodeInstance]!.remoteLanded(t.decodeReq!);
  }

  /**
   * A client timeout reaches a request whose prefill answered: its prefill is finished, so vLLM
   * ignores that abort, and the held blocks go when the decode side tells it. A pull in flight
   * tells it when it lands (onTransferLanded); otherwise the decode side's abort does now
   * (NixlConnector's request_finished for a request never allocated queues an empty read, whose
   * notification frees the prefill's blocks).
   */
  prefillAbandoned(t: Tracked): void {
    const inFlight = t.transferStartUs >= 0 && t.transferEndUs < 0;
    if (!inFlight) this.host.fleet.instances[t.instance]!.sendDone(t.req);
  }
}
