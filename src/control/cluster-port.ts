/**
 * What the control plane needs from the data plane: a narrow port, so that the autoscaler can
 * be tested against a fake and bound to the real cluster by a small adapter. The autoscaler
 * owns the lifecycle timing; the cluster owns what each state means for routing (only ready
 * replicas of a request's model are eligible; draining ones keep serving what they hold).
 */
import type { ReplicaState } from './lifecycle.js';

/** One way to serve a model: a GPU type and a tensor-parallel degree (WVA's "variant"). */
export interface VariantSpec {
  /** GPU name as in the hardware catalog (`blis hardware`). */
  readonly hardware: string;
  readonly tp: number;
}

/** A replica as a metrics scrape sees it (vLLM's /metrics gauges plus its identity). */
export interface ReplicaView {
  readonly id: number;
  readonly model: string;
  readonly hardware: string;
  readonly tp: number;
  readonly state: ReplicaState;
  /** vllm:num_requests_waiting. */
  readonly waiting: number;
  /** vllm:num_requests_running. */
  readonly running: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
}

export interface ControlledCluster {
  /** Every replica not yet gone, in id order. */
  replicas(): readonly ReplicaView[];
  /** Starts a replica of `model` on `variant`, in state provisioning (not routable); returns its id. */
  addReplica(model: string, variant: VariantSpec): number;
  /**
   * Moves a replica along its lifecycle. `ready` makes it routable; `draining` stops routing
   * to it while it finishes what it holds; `gone` removes it (only once it holds nothing).
   */
  setReplicaState(id: number, state: ReplicaState): void;
}

/**
 * Optional capability: the data plane removes a draining replica itself the instant it holds
 * nothing (llm-d's pod terminates after its last request), and says so. Without it the actuator
 * finds empty draining replicas at its scrapes.
 */
export interface DrainNotifier {
  onDrained(listener: (id: number, tUs: number) => void): void;
}

export function isDrainNotifier(c: ControlledCluster): c is ControlledCluster & DrainNotifier {
  return typeof (c as Partial<DrainNotifier>).onDrained === 'function';
}
