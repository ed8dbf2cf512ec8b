/**
 * Attaching the autoscaler to a simulation run (src/cluster/simulate): tap the arrival stream
 * before the run, take the cluster when it exists (`onCluster`), receive the request records
 * as a sink, and produce the timeline and the `autoscaler` block afterwards.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { RequestRecord } from '../cluster/record.js';
import type { RecordSink } from '../cluster/sink.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { AutoscalerSummary } from './accounting.js';
import { Autoscaler } from './autoscaler.js';
import { ClusterControlPort } from './cluster-adapter.js';
import { RequestObserver } from './observer.js';
import type { AutoscalerConfig } from './policy.js';
import type { TimelineRow } from './timeline.js';

export class AutoscalerAttachment implements RecordSink {
  private readonly observer: RequestObserver;
  private scaler: Autoscaler | null = null;

  constructor(readonly config: AutoscalerConfig) {
    this.observer = new RequestObserver(config.models, config.timelineWindowUs);
  }

  tap<T extends Iterable<ArrivalRequest> | AsyncIterable<ArrivalRequest>>(arrivals: T): T {
    return this.observer.tap(arrivals);
  }

  /** For SimulateInput.onCluster: binds to the cluster and starts the control loop at time 0. */
  attach(cluster: Cluster): void {
    if (this.scaler !== null) throw new Error('autoscaler already attached');
    this.scaler = new Autoscaler(cluster.sim, new ClusterControlPort(cluster, this.config.models), this.config, this.observer);
    this.scaler.start();
  }

  add(record: RequestRecord): void {
    this.observer.add(record);
  }

  get autoscaler(): Autoscaler {
    if (this.scaler === null) throw new Error('autoscaler not attached yet');
    return this.scaler;
  }

  get timeline(): readonly TimelineRow[] {
    return this.autoscaler.timeline;
  }

  summary(endUs: number): AutoscalerSummary {
    return this.autoscaler.summary(endUs);
  }
}
