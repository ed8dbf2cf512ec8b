import { describe, expect, test } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { AutoscalerAttachment } from '../../src/control/attach.js';
import { variantPoolName } from '../../src/control/cluster-adapter.js';
import { resolveAutoscalerConfig } from '../../src/control/policy.js';
import { getStepTimeModel } from '../../src/model/registry.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import type { Instance } from '../../src/engine/instance.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

/**
 * A draining replica whose last request leaves by a client timeout, not by finishing: the abort
 * comes while a decode step is in flight, so the engine is idle only when its steps end. The
 * cluster retires the replica then (the DrainNotifier contract: the instant it holds nothing),
 * not at the next scrape; and the scrapes in between must not retire it a second time (that
 * stopped the run with "replica 1 is not in the fleet", found by scripts/leap-fuzz.mjs).
 *
 * Two replicas, one 100-in / 30,000-out request each at 0 s (both decode until their 5 s
 * timeouts), a short one at 9 s; decisions every second with no scale-down stabilisation: the
 * saturation analyzer finds the KV nearly empty and drains replica 1 at the first decision (1 s).
 */
const MODEL = 'qwen/qwen3-14b';

async function run(leap: boolean, clientTimeoutS: number) {
  const variant = { hardware: 'H100', tp: 1 };
  const config = resolveClusterConfig({
    model: MODEL, hardware: 'H100', tp: 1, latencyModel: 'roofline', maxInstances: 8, clientTimeoutS,
    pools: [{ name: variantPoolName(MODEL, variant), role: 'unified', count: 2 }],
  });
  const policy = resolveAutoscalerConfig({
    intervalS: 1,
    collector: { name: 'prometheus', options: { scrape_interval_s: 1, lag_s: 0 } },
    actuator: { name: 'delayed', options: { provision_s: 0, load_s: 0, warmup_s: 0 } },
    scaleDownStabilizationS: 0,
    models: [{ name: MODEL, minReplicas: 1, maxReplicas: 2, initialReplicas: 2, variants: [variant] }],
  }, { model: MODEL, hardware: 'H100', tp: 1, initialReplicas: 2 });
  const att = new AutoscalerAttachment(policy);
  const records = new CollectingSink();
  const st = getStepTimeModel('roofline', '--latency-model').create({ model: config.model, hardware: config.hardware, tp: 1 }, {});
  const arrivals: ArrivalRequest[] = [0, 1].map((k) => ({ id: `r${k}`, arrivalUs: 0, inputTokens: 100, outputTokens: 30_000, model: MODEL }));
  // A later request keeps the control loop scraping after the timeouts.
  arrivals.push({ id: 'r2', arrivalUs: 9_000_000, inputTokens: 100, outputTokens: 10, model: MODEL });
  // The end of every step of replica 1 (its step listener, in place of the metrics', sees each one).
  const stepEnds: number[] = [];
  const result = await simulate({
    config, arrivals: att.tap(arrivals), stepTime: st, overheads: st.overheads ?? ZERO_OVERHEADS, leap,
    sinks: [att, records],
    onCluster: (c) => {
      att.attach(c);
      (c.instances[1] as Instance).setStepListener({ onStep: (i, durUs) => void stepEnds.push(i.stepStartedUs + durUs) });
    },
  });
  return { att, records: records.records, result, stepEnds };
}

describe('a draining replica whose last request times out', () => {
  // At 5 s the next scrape is 1 s away; at 5.999 s it falls while the aborted steps still run (they take ~11 ms).
  for (const [timeoutS, leap] of [[5, true], [5, false], [5.999, true], [5.999, false]] as const) {
    test(`is gone when its last step ends, not at a later scrape (timeout ${timeoutS} s, leap ${leap})`, async () => {
      const { att, records, stepEnds } = await run(leap, timeoutS);
      expect(att.timeline.find((r) => r.timeS === 1)!.decisions).toBe('-1 #1');
      expect(records.map((r) => [r.id, r.status])).toEqual([['r0', 'timed_out'], ['r1', 'timed_out'], ['r2', 'completed']]);
      const e = att.autoscaler.fleet.all.find((x) => x.id === 1)!;
      // Replica 1's last step: the one in flight at the abort, or the one asynchronous
      // scheduling had already formed behind it (the engine runs it; its output is discarded).
      const lastStepEnd = stepEnds[stepEnds.length - 1]!;
      const timeoutUs = timeoutS * 1e6;
      expect(stepEnds.filter((t) => t > timeoutUs).length).toBeGreaterThanOrEqual(1);
      expect(lastStepEnd).toBeLessThan(timeoutUs + 100_000);
      expect(e.goneUs).toBe(lastStepEnd);
    });
  }
});
