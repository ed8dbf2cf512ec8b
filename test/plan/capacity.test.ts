/**
 * `blis capacity`: the found rate is a real boundary of the simulator (runs at 0.85x meet the
 * SLO, at 1.25x miss it), probes are reproducible `blis run` commands, and the search itself
 * is checked on a synthetic monotone SLO.
 */
import { describe, expect, it } from 'vitest';
import { maxSustainableRate, roundRate } from '../../src/plan/capacity.js';
import { candidates, cheapestFleet } from '../../src/plan/cheapest.js';
import { runCli } from '../cli/helpers.js';

const SEED = ['--model', 'qwen/qwen3-14b', '--workload', 'chatbot', '--num-requests', '2000', '--seed', '1', '--slo', 'ttft_p99=200,tpot_p50=30'];

async function holdsAt(rate: number): Promise<boolean> {
  const r = await runCli(['run', ...SEED, '--rate', String(rate), '--output', 'json', '--quiet']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out).slo.holds as boolean;
}

describe('blis capacity on a fresh MoE server', () => {
  const MIXTRAL = ['--model', 'mistralai/mixtral-8x7b-v0.1', '--hardware', 'H100', '--tp', '2', '--workload', 'chatbot', '--num-requests', '200', '--seed', '1',
    '--slo', 'ttft_p99=500,tpot_p50=40', '--max-probes', '4'];

  it('says when probes that missed waited for first-use kernel compiles, and not when the cache is warm', async () => {
    const cold = await runCli(['capacity', ...MIXTRAL, '--quiet']);
    expect(cold.code, cold.err).toBe(0);
    expect(cold.out).toMatch(/note: \d+ of the probes that missed had steps waiting for first-use fused-MoE kernel compiles .*--warm-kernel-cache/);
    const json = JSON.parse((await runCli(['capacity', ...MIXTRAL, '--output', 'json', '--quiet'])).out);
    const missed = (json.probes as Array<Record<string, unknown>>).filter((p) => p['holds'] === false);
    expect(missed.length).toBeGreaterThan(0);
    expect(missed.every((p) => (p['kernel_compiles'] as { compiles: number }).compiles >= 1)).toBe(true);
    const warm = await runCli(['capacity', ...MIXTRAL, '--warm-kernel-cache', '--quiet']);
    expect(warm.out).not.toMatch(/kernel compiles/);
    const warmJson = JSON.parse((await runCli(['capacity', ...MIXTRAL, '--warm-kernel-cache', '--output', 'json', '--quiet'])).out);
    expect((warmJson.probes as Array<Record<string, unknown>>).some((p) => 'kernel_compiles' in p)).toBe(false);
  });
});

describe('blis capacity on the seed model', () => {
  it('finds a rate that blis run holds at 0.85x and misses at 1.25x, with every probe reproducible', async () => {
    const r = await runCli(['capacity', ...SEED, '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.stopped).toBe('converged');
    const max = out.max_rate_rps as number;
    expect(max).toBeGreaterThan(0);
    expect(out.fail_rate_rps / max).toBeLessThanOrEqual(1.02 + 1e-9);
    expect(await holdsAt(roundRate(0.85 * max))).toBe(true);
    expect(await holdsAt(roundRate(1.25 * max))).toBe(false);
    // The probe at the answer, rerun from its printed command line, says the same.
    const best = out.probes.find((p: { rate_rps: number }) => p.rate_rps === max);
    expect(best.holds).toBe(true);
    expect(out.command).toBe(best.command);
    const argv = (best.command as string).split(' ').slice(1);
    const rerun = JSON.parse((await runCli([...argv, '--output', 'json', '--quiet'])).out);
    expect(rerun.ttft_ms.p99).toBe(best.ttft_p99_ms);
    expect(rerun.slo.holds).toBe(true);
  });

  it('prints the probes and the answer as a table', async () => {
    const r = await runCli(['capacity', ...SEED, '--tolerance', '0.1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^probe +req\/s +SLO +margin +attained +TTFT p99 +TPOT p50 +regime$/m);
    expect(r.out).toMatch(/^max sustainable rate: [\d.]+ req\/s \(the SLO fails at [\d.]+ req\/s\)$/m);
    expect(r.err).toMatch(/blis capacity: probe 1: 10 req\/s: SLO (holds|missed)/);
  });

  it('names the cheapest fleet at a rate and rules out smaller fleets of a failed GPU and TP without simulating them', async () => {
    const r = await runCli(['capacity', '--model', 'qwen/qwen3-14b', '--workload', 'chatbot', '--rate', '40', '--num-requests', '600', '--seed', '1',
      '--slo', 'ttft_p99=200,tpot_p50=30', '--hardware', 'H100,A100-80', '--tp', '1,2', '--num-instances', '1,2,4', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.candidates).toBe(12);
    const costs = out.probes.map((p: { fleet_per_hour: number }) => p.fleet_per_hour);
    expect(costs).toEqual([...costs].sort((a: number, b: number) => a - b));
    const last = out.probes[out.probes.length - 1];
    expect(last.result).toBe('holds');
    expect(out.cheapest).toMatchObject({ hardware: last.hardware, tp: last.tp, num_instances: last.num_instances });
    for (const p of out.probes.slice(0, -1)) expect(p.result).not.toBe('holds');
    // The answer holds when rerun, and so does no cheaper candidate that was simulated.
    const rerun = JSON.parse((await runCli([...(out.cheapest.command as string).split(' ').slice(1), '--output', 'json', '--quiet'])).out);
    expect(rerun.slo.holds).toBe(true);
  });

  it('asks for --rate in the cheapest-fleet search and for targets in any search', async () => {
    const noRate = await runCli(['capacity', '--hardware', 'H100,A100-80', '--slo', 'ttft_p99=200', '--quiet']);
    expect(noRate.code).toBe(2);
    expect(noRate.err).toMatch(/--rate: the cheapest-fleet search needs the rate/);
    const noSlo = await runCli(['capacity', '--num-requests', '50', '--quiet']);
    expect(noSlo.code).toBe(2);
    expect(noSlo.err).toMatch(/CAPACITY_NO_SLO/);
  });
});

describe('blis capacity: cheapest fleet on bad input', () => {
  const CHEAPEST = ['capacity', '--rate', '20', '--num-requests', '100', '--slo', 'ttft_p99=300', '--quiet'];

  it('stops with exit 2 on an error that is the input, not the fleet (it made every candidate "cannot run", exit 0)', async () => {
    const missing = await runCli([...CHEAPEST, '--num-instances', '1,2', '--workload-spec', 'no-such-spec.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no-such-spec\.yaml: workload spec not found/);
    const typo = await runCli([...CHEAPEST, '--hardware', 'H100,H10O']);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/\[UNKNOWN_HARDWARE\] --hardware: unknown hardware 'H10O'/);
  });

  it('stops on a typo in a list even when a cheaper listed fleet holds (an unpriced typo was tried last, so never)', async () => {
    // One H100 holds p99 TTFT <= 300 ms at 10 req/s (89 ms), so the search used to stop there
    // and answer as if the L40X the planner meant to compare were not in the list.
    const r = await runCli(['capacity', '--model', 'qwen/qwen2.5-7b-instruct', '--rate', '10', '--num-requests', '100', '--slo', 'ttft_p99=300', '--quiet', '--hardware', 'H100,L40X']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[UNKNOWN_HARDWARE\] --hardware: unknown hardware 'L40X'/);
    expect(r.out).toBe('');
  });

  it('refuses 0 instances or TP 0 in a list, which ruled out the larger fleets unsimulated', async () => {
    for (const [flag, list] of [['--num-instances', '0,2'], ['--tp', '1,0']]) {
      const r = await runCli([...CHEAPEST, flag!, list!]);
      expect(r.code, flag).toBe(2);
      expect(r.err).toContain(`[FLAG_OUT_OF_RANGE] ${flag}: found 0 in '${list}'; expected positive integers`);
    }
  });

  it('says why a fleet cannot run in the human table', async () => {
    const r = await runCli([...CHEAPEST, '--tp', '1,3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^1 x H100 TP3 cannot run: \[TP_INVALID\] --tp: tensor parallel size 3 does not divide/m);
  });

  it('counts a GPU vLLM has no kernels for as a fleet that cannot run, not as bad input', async () => {
    // DeepSeek sparse attention runs on Hopper and Blackwell only; GLM-5.2 FP8 fits neither 8 x H100 (KV_CAPACITY).
    const r = await runCli(['capacity', '--rate', '1', '--num-requests', '5', '--slo', 'ttft_p99=300000', '--quiet', '--model', 'zai-org/glm-5.2-fp8', '--hardware', 'A100-80,H100', '--tp', '8']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^1 x A100-80 TP8 cannot run: \[HARDWARE_UNSUPPORTED\]/m);
    expect(r.out).toMatch(/^1 x H100 TP8 cannot run: \[KV_CAPACITY\]/m);
  });
});

describe('the rate search', () => {
  // A synthetic SLO: latency = 1 / (capacity - rate), target 1 / (capacity - boundary).
  const synthetic = (boundary: number) => async (rate: number) => {
    const cap = boundary * 1.5;
    const lat = rate >= cap ? Infinity : 1 / (cap - rate);
    const target = 1 / (cap - boundary);
    return { rateRps: rate, holds: lat <= target, margin: lat / target, detail: {} };
  };

  it('converges to the boundary within the tolerance from above and below the start rate', async () => {
    for (const [start, boundary] of [[10, 137.3], [10, 0.71], [500, 42]] as const) {
      const r = await maxSustainableRate(synthetic(boundary), { startRps: start, tolerance: 0.01 });
      expect(r.stopped).toBe('converged');
      expect(r.maxRateRps!).toBeLessThanOrEqual(boundary);
      expect(r.failRateRps!).toBeGreaterThan(boundary);
      expect(r.failRateRps! / r.maxRateRps!).toBeLessThanOrEqual(1.01 + 1e-9);
      // No worse than bracketing plus plain bisection of the bracket.
      const bracket = Math.ceil(Math.abs(Math.log2(boundary / start))) + 1;
      expect(r.probes.length).toBeLessThanOrEqual(bracket + Math.ceil(Math.log2(Math.log(2) / Math.log(1.01))) + 2);
    }
  });

  it('reports a rate range where the SLO never holds or always holds', async () => {
    const never = await maxSustainableRate(async (r) => ({ rateRps: r, holds: false, margin: Infinity, detail: {} }), { startRps: 8, minRps: 1 });
    expect(never).toMatchObject({ maxRateRps: null, failRateRps: 1, stopped: 'fails-at-min' });
    const always = await maxSustainableRate(async (r) => ({ rateRps: r, holds: true, margin: 0.1, detail: {} }), { startRps: 8, maxRps: 64 });
    expect(always).toMatchObject({ maxRateRps: 64, failRateRps: null, stopped: 'holds-at-max' });
  });

  it('stops at the default bounds when they do not round to four digits, probing no rate twice', async () => {
    // 10 / 1024 = 0.009765625 is probed as 0.009766; 1.2344 x 1024 = 1264.0256 as 1264.
    const never = await maxSustainableRate(async (r) => ({ rateRps: r, holds: false, margin: 5, detail: {} }), { startRps: 10 });
    // Halving drifts short of the bound by rounding (0.00977 against 0.009766): within the
    // tolerance of it, the search stops there rather than probe the bound for the same answer.
    expect(never).toMatchObject({ maxRateRps: null, failRateRps: 0.00977, stopped: 'fails-at-min' });
    const always = await maxSustainableRate(async (r) => ({ rateRps: r, holds: true, margin: 0.1, detail: {} }), { startRps: 1.2344 });
    expect(always).toMatchObject({ failRateRps: null, stopped: 'holds-at-max' });
    expect(always.maxRateRps! * 1.02).toBeGreaterThanOrEqual(1264);
    // Ten doublings or halvings and the start: eleven probes, no rate twice.
    for (const r of [never, always]) {
      expect(r.probes.length).toBe(11);
      expect(new Set(r.probes.map((p) => p.rateRps)).size).toBe(r.probes.length);
    }
  });

  it('orders fleets by hourly cost and stops at the first that holds', async () => {
    const list = candidates(['A', 'B'], [1, 2], [1, 2, 4], (h, tp, n) => ({ gpus: tp * n, fleetPerHour: tp * n * (h === 'A' ? 1 : 3) }));
    expect(list.map((c) => c.fleetPerHour)).toEqual([1, 2, 2, 3, 4, 4, 6, 6, 8, 12, 12, 24]);
    const tried: string[] = [];
    // Holds with at least 6 GPUs of A, or 2 of B.
    const r = await cheapestFleet(list, async (c) => {
      tried.push(`${c.hardware}${c.tp}x${c.numInstances}`);
      return { kind: 'simulated', holds: c.tp * c.numInstances >= (c.hardware === 'A' ? 6 : 2), detail: {} };
    });
    expect(r.cheapest).toMatchObject({ hardware: 'B', tp: 1, numInstances: 2, fleetPerHour: 6 });
    // A1x1 failing implies nothing larger; A1x2 fails so A1x1 would be implied, but it came first.
    expect(tried).toEqual(['A1x1', 'A1x2', 'A2x1', 'B1x1', 'A1x4', 'A2x2', 'B1x2']);
  });
});
