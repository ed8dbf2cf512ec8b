/**
 * What a Cluster (./cluster.ts) is given besides its configuration: the step-time models of its
 * pools, where records and per-step statistics go, and the speed knobs that leave results unchanged.
 */
import type { StepListener } from '../engine/instance.js';
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import type { PoolStepTime } from './fleet.js';
import type { PoolConfig } from './pools.js';
import type { RecordSink } from './sink.js';

export interface ClusterDeps {
  /** Step time of the pools that match the top-level model, hardware and TP. */
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
  /** Step time of any other pool (default: the config's latency model built for the pool). */
  readonly stepTimeFor?: (pool: PoolConfig) => PoolStepTime;
  readonly sink: RecordSink;
  /**
   * Per-step statistics (ITL samples, KV peaks, the run's regime): the listener of instance
   * `instance` (in pool `pool`, serving `model`), asked once when the instance starts and then
   * called at the end of each of its steps, with the queue and batch as the step ended.
   */
  readonly stepListener?: (instance: number, pool: string, model: string) => StepListener;
  /** Record per-request detail (chunks, preemptions, every Nth token) for tracing. */
  readonly detail?: { readonly enabled: boolean; readonly tokenEvery: number };
  /** Event leaping in the engines (default on); off steps request by request. Results are identical. */
  readonly leap?: boolean;
  /**
   * No two arrivals of the run share an id (a generated workload): a request's private KV blocks
   * then reach the prefix cache only if it is preempted (EngineRequest.deferPrivate). A speed knob;
   * results are identical. Default false (a trace may repeat ids).
   */
  readonly uniqueIds?: boolean;
}
