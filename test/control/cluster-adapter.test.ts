import { describe, expect, test } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { AutoscalerAttachment } from '../../src/control/attach.js';
import { variantPoolName } from '../../src/control/cluster-adapter.js';
import { resolveAutoscalerConfig } from '../../src/control/policy.js';
import { timelineCsv } from '../../src/control/timeline.js';
import { getStepTimeModel } from '../../src/model/registry.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { constantArrivals, merge } from './mini-cluster.js';

const MODEL = 'qwen/qwen3-14b';

async function run() {
  const variant = { hardware: 'H100', tp: 1 };
  const config = resolveClusterConfig({
    model: MODEL, hardware: 'H100', tp: 1, maxNumSeqs: 8, latencyModel: 'roofline', maxInstances: 64,
    pools: [{ name: variantPoolName(MODEL, variant), role: 'unified', count: 1 }],
  });
  const policy = resolveAutoscalerConfig({
    intervalS: 10,
    collector: { name: 'prometheus', options: { scrape_interval_s: 5 } },
    actuator: { name: 'delayed', options: { provision_s: 10, load_s: 10, warmup_s: 5 } },
    scaleDownStabilizationS: 30,
    models: [{ name: MODEL, minReplicas: 1, maxReplicas: 8, initialReplicas: 1, variants: [variant] }],
  }, { model: MODEL, hardware: 'H100', tp: 1, initialReplicas: 1 });
  const att = new AutoscalerAttachment(policy);
  const records = new CollectingSink();
  const st = getStepTimeModel('roofline', '--latency-model').create({ model: config.model, hardware: config.hardware, tp: 1 }, {});
  const arrivals = merge(
    constantArrivals(0, 30, 1, MODEL, 'a', { input: 200, output: 200 }),
    constantArrivals(30, 150, 10, MODEL, 'b', { input: 200, output: 200 }),
    constantArrivals(150, 400, 1, MODEL, 'c', { input: 200, output: 200 }),
  );
  const result = await simulate({
    config, arrivals: att.tap(arrivals), stepTime: st, overheads: st.overheads ?? ZERO_OVERHEADS,
    sinks: [att, records], onCluster: (c) => att.attach(c),
  });
  return { att, records: records.records, result, n: arrivals.length };
}

describe('autoscaler on the real cluster', async () => {
  const { att, records, result, n } = await run();
  const fleet = att.autoscaler.fleet;

  test('scales up under the burst and back down after it', () => {
    expect(att.autoscaler.actions.scaleUp).toBeGreaterThanOrEqual(1);
    expect(att.autoscaler.actions.scaleDown).toBeGreaterThanOrEqual(1);
    expect(fleet.all.some((e) => e.goneUs > 0)).toBe(true);
  });

  test('the router sends nothing to an instance before it is ready or after it started draining', () => {
    for (const e of fleet.all) {
      const mine = records.filter((r) => r.instance === e.id);
      if (e.readyUs < 0) expect(mine).toEqual([]);
      for (const r of mine) expect(r.routedUs).toBeGreaterThanOrEqual(e.readyUs);
    }
    const cluster = result.cluster;
    for (const e of fleet.all.filter((x) => x.goneUs > 0)) expect(cluster.lifecycle.info(e.id).state).toBe('gone');
  });

  test('a drained instance is gone the instant its last request leaves, and no request is lost', () => {
    for (const e of fleet.all.filter((x) => x.goneUs > 0 && x.readyUs >= 0)) {
      const last = Math.max(...records.filter((r) => r.instance === e.id).map((r) => r.finishedUs));
      const drainUs = att.timeline.find((r) => r.decisions.split(';').includes(`-1 #${e.id}`))!.timeS * 1e6;
      expect(e.goneUs).toBe(Math.max(last, drainUs));
    }
    expect(records.length).toBe(n);
    expect(records.every((r) => r.status === 'completed')).toBe(true);
  });

  test('the summary and timeline are deterministic', async () => {
    const again = await run();
    expect(timelineCsv(again.att.timeline)).toBe(timelineCsv(att.timeline));
    expect(again.att.summary(again.result.cluster.sim.nowUs)).toEqual(att.summary(result.cluster.sim.nowUs));
  });
});
