/** A library caller's own plug-ins, registered per run through simulate({ plugins }), are called and decide. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/index.js';
import type { AdmissionPlugin, RequestRecord, RoutingPolicyPlugin, ScorerPlugin, SimulationOptions, StepTimePlugin } from '../../src/index.js';

const base: SimulationOptions = { model: 'qwen/qwen3-14b', numInstances: 3, preset: 'chatbot', rate: 10, numRequests: 60, seed: 1 };

async function records(options: SimulationOptions): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  await simulate({ ...options, onRecord: (r) => out.push(r) });
  return out;
}

/** Prefers instance 1 whatever the load. */
const instanceOne = (calls: { n: number }): ScorerPlugin => ({
  name: 'instance-one',
  create: () => ({
    score(view, _req, out) {
      calls.n++;
      for (let i = 0; i < view.numInstances; i++) out[i] = i === 1 ? 1 : 0;
    },
  }),
});

describe('plug-ins', () => {
  it('a scorer that always prefers instance 1 is called once per request and puts every request there', async () => {
    const calls = { n: 0 };
    const recs = await records({ ...base, plugins: { scorers: [instanceOne(calls)] }, routingScorers: 'instance-one:1' });
    expect(calls.n).toBe(60);
    expect(recs.map((r) => r.instance)).toEqual(new Array(60).fill(1));
  });

  it('a routing policy picks the instance itself', async () => {
    const last: RoutingPolicyPlugin = { name: 'highest-id', create: () => ({ pick: (view) => view.numInstances - 1 }) };
    const recs = await records({ ...base, plugins: { routingPolicies: [last] }, routingPolicy: 'highest-id' });
    expect(new Set(recs.map((r) => r.instance))).toEqual(new Set([2]));
  });

  it('an admission policy refuses with its own reason code, and admits the rest', async () => {
    const oddOut: AdmissionPlugin = { name: 'odd-out', create: () => ({ decide: (_view, req) => (req.index % 2 === 1 ? 'odd-index' : null) }) };
    const recs = await records({ ...base, plugins: { admissionPolicies: [oddOut] }, admissionPolicy: 'odd-out' });
    const rejected = recs.filter((r) => r.status === 'rejected');
    expect(rejected.map((r) => r.index % 2)).toEqual(new Array(30).fill(1));
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['odd-index']));
    expect(recs.filter((r) => r.status === 'completed')).toHaveLength(30);
  });

  it('a step-time model times every step, with its options from latencyCoefficients', async () => {
    let calls = 0;
    const flat: StepTimePlugin = {
      name: 'flat',
      options: { stepUs: { default: 10_000, unit: 'us', describe: 'the time of every step' } },
      create: (_ctx, options) => ({ stepTimeUs: () => { calls++; return Number(options?.['stepUs'] ?? 10_000); } }),
    };
    const one = { model: 'qwen/qwen3-14b', plugins: { stepTimeModels: [flat] }, latencyModel: 'flat', arrivals: [{ id: 'a', arrivalUs: 0, inputTokens: 100, outputTokens: 4 }] };
    const [rec] = await records(one);
    // one prefill step then three decode steps of 10 ms each: first token at the end of the first
    expect(rec!.firstTokenUs).toBe(10_000);
    expect(rec!.finishedUs).toBe(40_000);
    expect(calls).toBeGreaterThanOrEqual(4);
    const [slower] = await records({ ...one, latencyCoefficients: { stepUs: 20_000 } });
    expect(slower!.finishedUs).toBe(80_000);
    expect((await simulate(one)).metrics.config['latency_model']).toBe('flat');
  });

  it('is registered for its run only: the next run without it does not know the name', async () => {
    await simulate({ ...base, plugins: { scorers: [instanceOne({ n: 0 })] }, routingScorers: 'instance-one:1' });
    await expect(simulate({ ...base, routingScorers: 'instance-one:1' })).rejects.toMatchObject({ code: 'UNKNOWN_SCORER' });
  });

  it('runs with plug-ins are deterministic: the same seed gives byte-identical metrics', async () => {
    const run = async () => JSON.stringify((await simulate({ ...base, plugins: { scorers: [instanceOne({ n: 0 })] }, routingScorers: 'instance-one:1,queue-depth:1' })).metrics);
    expect(await run()).toBe(await run());
  });
});
