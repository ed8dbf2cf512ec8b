import type { BatchShape, RequestOverheads, StepTimeModel } from '../../src/model/step-time.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { resolveClusterConfig, type ClusterOptions } from '../../src/cluster/config.js';
import type { MetricsDocument } from '../../src/cluster/metrics.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { simulate } from '../../src/cluster/simulate.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

/** Step time = baseUs + perTokenUs × batch tokens (hand-computable). */
export function linearStep(baseUs = 1000, perTokenUs = 10): StepTimeModel {
  return { stepTimeUs: (b: BatchShape) => baseUs + perTokenUs * b.totalNewTokens };
}

/** Small, fast defaults: 1000 KV blocks per instance, live scrapes unless set. */
export function options(o: ClusterOptions): ClusterOptions {
  return { totalKvBlocks: 1000, maxModelLen: 100_000, ...o };
}

export function arrival(id: string, arrivalUs: number, inputTokens: number, outputTokens: number, extra: Partial<ArrivalRequest> = {}): ArrivalRequest {
  return { id, arrivalUs, inputTokens, outputTokens, ...extra };
}

export async function run(o: ClusterOptions, arrivals: ArrivalRequest[], step = linearStep(), horizonUs?: number, overheads: RequestOverheads = ZERO_OVERHEADS): Promise<{ records: Map<string, RequestRecord>; all: RequestRecord[]; cluster: Cluster; metrics: MetricsDocument }> {
  const sink = new CollectingSink();
  const res = await simulate({ config: resolveClusterConfig(options(o)), arrivals, stepTime: step, overheads, sinks: [sink], ...(horizonUs !== undefined ? { horizonUs } : {}) });
  return { records: new Map(sink.records.map((r) => [r.id, r])), all: sink.records, cluster: res.cluster, metrics: res.metrics };
}

/** A cluster driven by hand (lifecycle tests). */
export function makeCluster(o: ClusterOptions, step = linearStep()): { cluster: Cluster; sink: CollectingSink } {
  const sink = new CollectingSink();
  const cluster = new Cluster(resolveClusterConfig(options(o)), { stepTime: step, overheads: ZERO_OVERHEADS, sink });
  return { cluster, sink };
}
