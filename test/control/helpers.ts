import { Autoscaler } from '../../src/control/autoscaler.js';
import { resolveAutoscalerConfig, type AutoscalerOptions } from '../../src/control/policy.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { MiniCluster, type MiniOptions } from './mini-cluster.js';

export interface Scenario {
  readonly policy: AutoscalerOptions;
  readonly arrivals: ArrivalRequest[];
  readonly mini?: MiniOptions;
  readonly untilS?: number;
}

/** Runs the autoscaler on a MiniCluster; models come from the policy (default model 'm' on H100x1). */
export function runScenario(s: Scenario): { cluster: MiniCluster; as: Autoscaler } {
  const cluster = new MiniCluster(s.mini ?? {});
  const config = resolveAutoscalerConfig(s.policy, { model: 'm', hardware: 'H100', tp: 1, initialReplicas: 1 });
  const as = new Autoscaler(cluster.sim, cluster, config);
  cluster.sinks.push(as);
  cluster.load(as.tap(s.arrivals));
  as.start();
  cluster.sim.run(s.untilS !== undefined ? s.untilS * 1e6 : Infinity);
  return { cluster, as };
}
