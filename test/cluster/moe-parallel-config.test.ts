import { describe, expect, test } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { topStepTimeContext } from '../../src/cluster/moe-parallel-config.js';
import { describeClusterConfig } from '../../src/cluster/config-echo.js';
import { simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';
import { inputErrorOf as errorOf } from '../kernel/helpers.js';
import { Rng } from '../../src/kernel/rng.js';

const MIXTRAL = 'mistralai/mixtral-8x7b-v0.1';

describe('--data-parallel-size and --enable-expert-parallel', () => {
  test('an MoE model\'s ranks share its experts: N instances by default, more KV blocks, the step time built with them', () => {
    const one = resolveClusterConfig({ model: MIXTRAL, tp: 2 });
    const dp = resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 2 });
    expect(one.moeParallel).toBeNull();
    expect(dp.numInstances).toBe(2);
    expect(dp.moeParallel).toEqual({ dp: 2, expertParallel: false });
    expect(dp.sources['dataParallelSize']).toBe('flag');
    expect(dp.derivations['dataParallelSize']).toMatch(/sharded over the 2 ranks' 4 GPUs \(data parallel size x TP\)/);
    // Expert parallelism within one server of TP 2: no ranks to speak of.
    expect(resolveClusterConfig({ model: MIXTRAL, tp: 2, enableExpertParallel: true }).derivations['dataParallelSize']).toBe("mistralai/mixtral-8x7b-v0.1's routed experts are spread whole over the instance's 2 GPUs (TP); one rank, no data parallelism");
    // Each GPU holds a quarter of the experts (22.5 GB of 90) instead of half: more room for KV.
    expect(dp.engine.totalKvBlocks).toBeGreaterThan(one.engine.totalKvBlocks * 1.5);
    expect(topStepTimeContext(dp).moeParallel).toEqual({ dp: 2, expertParallel: false });
    expect(topStepTimeContext(one).moeParallel).toBeUndefined();
  });

  test('a dense model\'s ranks are independent instances: nothing else changes, and the config says so', () => {
    const dense = resolveClusterConfig({ model: 'qwen/qwen3-14b', dataParallelSize: 2 });
    const plain = resolveClusterConfig({ model: 'qwen/qwen3-14b', numInstances: 2 });
    expect(dense.moeParallel).toBeNull();
    expect(dense.numInstances).toBe(2);
    expect(dense.engine.totalKvBlocks).toBe(plain.engine.totalKvBlocks);
    expect(dense.derivations['dataParallelSize']).toMatch(/dense/);
  });

  test('the config echo carries the data parallel size and expert parallelism, enough to rerun; a config without them reads as before', () => {
    const echo = (o: Parameters<typeof resolveClusterConfig>[0]): Record<string, unknown> => describeClusterConfig(resolveClusterConfig(o));
    const moe = echo({ model: MIXTRAL, tp: 2, dataParallelSize: 2, numInstances: 4, enableExpertParallel: true });
    expect([moe['num_instances'], moe['data_parallel_size'], moe['enable_expert_parallel']]).toEqual([4, 2, true]);
    // A dense model's ranks change nothing but the layout, which a rerun must keep (--num-instances a multiple of it).
    const dense = echo({ model: 'qwen/qwen3-14b', dataParallelSize: 2 });
    expect([dense['num_instances'], dense['data_parallel_size'], 'enable_expert_parallel' in dense]).toEqual([2, 2, false]);
    const tpOnlyEp = echo({ model: MIXTRAL, tp: 2, enableExpertParallel: true });
    expect(['data_parallel_size' in tpOnlyEp, tpOnlyEp['enable_expert_parallel']]).toEqual([false, true]);
    const plain = echo({ model: MIXTRAL, tp: 2, numInstances: 2, dataParallelSize: 1 });
    expect(['data_parallel_size' in plain, 'enable_expert_parallel' in plain]).toEqual([false, false]);
  });

  test('one server of ranks is balanced by vLLM\'s own front end unless a policy is named; several servers keep the cluster default', () => {
    const one = resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 2 });
    expect(one.routingPolicy).toBe('vllm-dp');
    expect(one.sources['routingPolicy']).toBe('derived');
    expect(one.derivations['routingPolicy']).toMatch(/one vLLM server's 2 data-parallel ranks/);
    // A dense model's ranks are independent engines behind the same front end.
    expect(resolveClusterConfig({ model: 'qwen/qwen3-14b', dataParallelSize: 2 }).routingPolicy).toBe('vllm-dp');
    const two = resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 2, numInstances: 4 });
    expect(two.routingPolicy).toBe('round-robin');
    expect(two.derivations['routingPolicy']).toBeUndefined();
    expect(resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 2, routingPolicy: 'least-loaded' }).routingPolicy).toBe('least-loaded');
    const scored = resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 2, routingScorers: 'queue-depth:1' });
    expect(scored.routingPolicy).toBe('weighted');
    expect(scored.derivations['routingPolicy']).toBeUndefined();
    expect(resolveClusterConfig({ model: MIXTRAL, tp: 2 }).routingPolicy).toBe('round-robin');
  });

  test('impossible layouts are refused with the flag named', () => {
    expect(errorOf(() => resolveClusterConfig({ model: 'qwen/qwen3-14b', enableExpertParallel: true })).message).toMatch(/--enable-expert-parallel.*no routed experts/);
    expect(errorOf(() => resolveClusterConfig({ model: MIXTRAL, tp: 2, numInstances: 3, dataParallelSize: 2 })).message).toMatch(/--num-instances.*multiple of 2/);
    expect(errorOf(() => resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 0 })).message).toMatch(/--data-parallel-size/);
    // Too many ranks, when the instances are the ranks by default: the flag the user gave is named.
    expect(errorOf(() => resolveClusterConfig({ model: 'qwen/qwen3-14b', dataParallelSize: 100_001 })).message).toMatch(/^--data-parallel-size: found 100001 ranks; expected at most 100000/);
    expect(errorOf(() => resolveClusterConfig({ model: 'qwen/qwen3-14b', dataParallelSize: 2, numInstances: 100_002 })).message).toMatch(/^--num-instances: found 100002 instances/);
    expect(errorOf(() => resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 2, maxInstances: 4 })).message).toMatch(/autoscaler/);
    expect(errorOf(() => resolveClusterConfig({ model: MIXTRAL, tp: 2, numInstances: 4, dataParallelSize: 2, prefillInstances: 2, decodeInstances: 2 })).message).toMatch(/several pools/);
  });

  test('sharded experts need data parallel size x TP to divide the expert width, as vLLM\'s FusedMoE asserts; whole experts do not', () => {
    // Mixtral's experts are 14336 wide (2^11 x 7): 3 x 1 and 3 x 2 GPUs do not divide it, 7 x 2 and 2 x 2 do.
    expect(errorOf(() => resolveClusterConfig({ model: MIXTRAL, tp: 1, dataParallelSize: 3 })).message).toMatch(/^--data-parallel-size: 3 ranks x TP 1 = 3 GPUs do not divide .*14336/);
    expect(errorOf(() => resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 3 })).message).toMatch(/6 GPUs do not divide/);
    expect(resolveClusterConfig({ model: MIXTRAL, tp: 2, dataParallelSize: 7 }).moeParallel).toEqual({ dp: 7, expertParallel: false });
    // Qwen3-30B-A3B's 768 (2^8 x 3): 5 ranks do not divide it, 3 do.
    expect(errorOf(() => resolveClusterConfig({ model: 'qwen/qwen3-30b-a3b', dataParallelSize: 5 })).message).toMatch(/5 GPUs do not divide .*768/);
    expect(resolveClusterConfig({ model: 'qwen/qwen3-30b-a3b', dataParallelSize: 3 }).numInstances).toBe(3);
    // Under expert parallelism each GPU holds whole experts: no width to divide.
    expect(resolveClusterConfig({ model: MIXTRAL, tp: 1, dataParallelSize: 3, enableExpertParallel: true }).moeParallel).toEqual({ dp: 3, expertParallel: true });
    // A dense model's ranks share nothing.
    expect(resolveClusterConfig({ model: 'qwen/qwen3-14b', dataParallelSize: 3 }).numInstances).toBe(3);
  });

  test('two ranks of Mixtral decode faster per token than two independent TP 2 instances at the same load, and leaping changes nothing', async () => {
    const workload = resolveWorkload({ preset: 'chatbot', rate: 16, numRequests: 400, seed: 7 });
    const arrivals = [...generateArrivals(workload, new Rng(7).fork('workload'))];
    const run = async (dataParallel: boolean, leap: boolean): Promise<{ metrics: string; records: string; tpot: number }> => {
      const config = resolveClusterConfig({ model: MIXTRAL, tp: 2, numInstances: 2, routingPolicy: 'least-loaded', totalKvBlocks: 600, ...(dataParallel ? { dataParallelSize: 2 } : {}) });
      const m = createStepTimeModel(config.stepTime, topStepTimeContext(config));
      const sink = new CollectingSink();
      const res = await simulate({ config, arrivals, stepTime: m, overheads: m.overheads ?? ZERO_OVERHEADS, sinks: [sink], leap });
      return { metrics: JSON.stringify(res.metrics), records: JSON.stringify(sink.records), tpot: res.metrics.tpot_ms.mean ?? NaN };
    };
    const dpLeap = await run(true, true);
    const dpStep = await run(true, false);
    expect(dpLeap.metrics).toBe(dpStep.metrics);
    expect(dpLeap.records).toBe(dpStep.records);
    const independent = await run(false, true);
    expect(dpLeap.tpot).toBeLessThan(independent.tpot * 0.8);
  });
});
