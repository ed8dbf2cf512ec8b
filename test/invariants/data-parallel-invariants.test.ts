/**
 * DESIGN §5 invariants on servers of data-parallel MoE ranks (--data-parallel-size, with and
 * without expert parallelism), over random configurations: conservation per instance and for the
 * cluster, no request left behind, causality of every record, KV use never above capacity, ranks
 * that exist, and leaping identical to stepping. Prefix caching, the CPU tier and preemption under
 * a small KV cache are drawn too.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { topStepTimeContext } from '../../src/cluster/moe-parallel-config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import { Rng } from '../../src/kernel/rng.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';

const arbConfig = fc.record({
  model: fc.constantFrom({ name: 'mistralai/mixtral-8x7b-v0.1', tp: 2 }, { name: 'qwen/qwen3-30b-a3b', tp: 1 }),
  dp: fc.constantFrom(2, 4),
  servers: fc.constantFrom(1, 2),
  expertParallel: fc.boolean(),
  policy: fc.constantFrom('vllm-dp', 'round-robin', 'least-loaded'),
  preset: fc.constantFrom('chatbot', 'codegen', 'reasoning'),
  rate: fc.integer({ min: 5, max: 60 }),
  numRequests: fc.integer({ min: 20, max: 80 }),
  totalKvBlocks: fc.constantFrom(150, 400, 4000),
  kvCpuBlocks: fc.constantFrom(0, 600),
  prefixCaching: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Cfg = typeof arbConfig extends fc.Arbitrary<infer T> ? T : never;

async function run(c: Cfg, leap: boolean) {
  const config = resolveClusterConfig({
    model: c.model.name, tp: c.model.tp, dataParallelSize: c.dp, numInstances: c.dp * c.servers, enableExpertParallel: c.expertParallel, routingPolicy: c.policy,
    totalKvBlocks: c.totalKvBlocks, ...(c.kvCpuBlocks > 0 ? { kvCpuBlocks: c.kvCpuBlocks } : {}), enablePrefixCaching: c.prefixCaching,
    maxModelLen: 8192, snapshotRefreshIntervalMs: 100, seed: c.seed,
  });
  const workload = resolveWorkload({ preset: c.preset, rate: c.rate, numRequests: c.numRequests, seed: c.seed });
  const stepTime = createStepTimeModel(config.stepTime, topStepTimeContext(config));
  const sink = new CollectingSink();
  const result = await simulate({ config, arrivals: generateArrivals(workload, new Rng(c.seed)), stepTime, overheads: stepTime.overheads ?? ZERO_OVERHEADS, sinks: [sink], leap });
  return { result, records: sink.records, numInstances: config.numInstances };
}

describe('cluster invariants on data-parallel MoE ranks', () => {
  it('conservation, causality, KV within capacity, and leaping identical to stepping', async () => {
    await fc.assert(fc.asyncProperty(arbConfig, async (c) => {
      const { result, records, numInstances } = await run(c, true);
      const m = result.metrics;
      const q = m.requests;
      expect(q.injected).toBe(c.numRequests);
      expect(q.completed + q.rejected + q.timed_out + q.dropped + q.unfinished).toBe(q.injected);
      expect(q.unfinished).toBe(0);
      expect(m.instances).toHaveLength(c.dp * c.servers);
      for (const inst of m.instances) {
        const r = inst.requests;
        expect(r.completed + r.rejected + r.timed_out + r.dropped + r.unfinished).toBe(r.injected);
      }
      expect(m.kv.peak_utilization).toBeLessThanOrEqual(1);
      for (const r of records) {
        expect(r.instance).toBeLessThan(numInstances);
        if (r.status !== 'completed') continue;
        const chain = [r.arrivalUs, r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs, r.firstTokenUs, r.finishedUs];
        for (let i = 1; i < chain.length; i++) expect(chain[i]!, `${r.id} step ${i}`).toBeGreaterThanOrEqual(chain[i - 1]!);
        expect(r.producedTokens).toBe(r.outputTokens);
      }
      const stepped = await run(c, false);
      expect(JSON.stringify(stepped.records)).toBe(JSON.stringify(records));
      const strip = (x: typeof m): string => JSON.stringify({ ...x, sim: null });
      expect(strip(stepped.result.metrics)).toBe(strip(m));
    }), { numRuns: 20 });
  });
});
