import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { Rng } from '../../src/kernel/rng.js';
import { requestBlockHashes } from '../../src/engine/block-hash.js';
import { buildPlan, rescaledExponentialArrivals, sampleLength } from '../../src/validate/plan.js';
import { parseCalibrationRequestsCsv } from '../../src/validate/requests.js';

const dir = new URL('../../baselines/calibration-experiments/', import.meta.url);
const CODEGEN = '20260217-155451-llama-2-7b-tp1-codegen';
const load = (id: string) => parseExperiment(JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')), `${id}.json`);
const rowsOf = (id: string) => parseCalibrationRequestsCsv(readFileSync(new URL(`${id}.requests.csv`, dir), 'utf8'), `${id}.requests.csv`);

describe('synthetic arrivals (pitfall 4)', () => {
  it('issues exactly rate × duration requests per stage, inside the stage, non-decreasing', () => {
    const plan = buildPlan(load(CODEGEN), { seed: 7, arrivals: 'synthetic' });
    expect(plan.arrivals).toHaveLength(9000);
    expect(plan.stages).toEqual([{ index: 0, startUs: 0, endUs: 600e6 }, { index: 1, startUs: 600e6, endUs: 1200e6 }]);
    const s0 = plan.arrivals.filter((a) => a.stage === 0);
    const s1 = plan.arrivals.filter((a) => a.stage === 1);
    expect([s0.length, s1.length]).toEqual([3000, 6000]);
    expect(s0.every((a) => a.arrivalUs >= 0 && a.arrivalUs < 600e6)).toBe(true);
    expect(s1.every((a) => a.arrivalUs >= 600e6 && a.arrivalUs < 1200e6)).toBe(true);
    expect(s1[0]!.arrivalUs).toBe(600e6);
    for (let i = 1; i < plan.arrivals.length; i++) expect(plan.arrivals[i]!.arrivalUs).toBeGreaterThanOrEqual(plan.arrivals[i - 1]!.arrivalUs);
    expect(plan.clientTimeoutUs).toBe(300e6);
  });

  it('gaps are exponential-like (CV near 1) and the same seed gives the same stream', () => {
    const t = rescaledExponentialArrivals(5000, 0, 1e9, new Rng(3));
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
    expect(rescaledExponentialArrivals(50, 0, 1e6, new Rng(3))).toEqual(rescaledExponentialArrivals(50, 0, 1e6, new Rng(3)));
  });
});

describe('prompt structure (pitfall 3) and output lengths (pitfall 2)', () => {
  it('cycles 100 unique prompts round-robin; a recurring prompt is identical', () => {
    const plan = buildPlan(load(CODEGEN), { seed: 1, arrivals: 'synthetic' });
    const groups = plan.arrivals.map((a) => a.prefix!.group);
    expect(new Set(groups).size).toBe(100);
    expect(new Set(groups.slice(0, 100)).size).toBe(100);
    for (let i = 100; i < plan.arrivals.length; i++) {
      const a = plan.arrivals[i]!;
      const b = plan.arrivals[i - 100]!;
      expect(a.prefix).toEqual(b.prefix);
      expect(a.inputTokens).toBe(b.inputTokens);
      // The prompt's full blocks hash alike (its output blocks are its own).
      const promptBlocks = Math.floor(a.inputTokens / 16);
      expect(Array.from(requestBlockHashes(a, 16).hashes.subarray(0, promptBlocks))).toEqual(Array.from(requestBlockHashes(b, 16).hashes.subarray(0, promptBlocks)));
    }
    // the full prompt is the shared part
    expect(plan.arrivals.every((a) => a.prefix!.tokens === a.inputTokens)).toBe(true);
    // every request decodes output_tokens_generated under ignore_eos
    expect(plan.arrivals.every((a) => a.outputTokens === 247)).toBe(true);
    // observed prompt lengths 580..604
    expect(plan.arrivals.every((a) => a.inputTokens >= 580 && a.inputTokens <= 604)).toBe(true);
  });

  it('prompts of a group share the system prompt blocks (100 tokens → 6 blocks of 16) as the engine hashes them, and nothing after', () => {
    const plan = buildPlan(load(CODEGEN), { seed: 1, arrivals: 'synthetic' });
    const byGroupHead = new Map<string, Set<string>>();
    const seventh = new Set<number>();
    for (const a of plan.arrivals.slice(0, 100)) {
      // The hashes the KV cache keys blocks by (engine/block-hash.ts), not the plan's labels.
      const h = requestBlockHashes(a, 16).hashes;
      expect(h).toHaveLength(Math.floor((a.inputTokens + a.outputTokens - 1) / 16));
      const head = Array.from(h.subarray(0, 6)).join(',');
      const set = byGroupHead.get(head) ?? new Set<string>();
      set.add(a.prefix!.group);
      byGroupHead.set(head, set);
      seventh.add(h[6]!);
    }
    expect(byGroupHead.size).toBe(10);
    for (const prompts of byGroupHead.values()) expect(prompts.size).toBe(10);
    // Block 6 holds question tokens (96..111): every prompt's own.
    expect(seventh.size).toBe(100);
  });

  it('trace arrivals replay the CSV: times, stages, lengths; failed rows get their slot length', () => {
    const id = '20260217-170634-llama-2-7b-tp1-reasoning';
    const rows = rowsOf(id);
    const plan = buildPlan(load(id), { requests: rows });
    expect(plan.arrivalSource).toBe('trace');
    expect(plan.arrivals).toHaveLength(4800);
    expect(plan.arrivals.map((a) => a.arrivalUs)).toEqual(rows.map((r) => r.arrivalUs));
    expect(plan.arrivals[0]!.inputTokens).toBe(rows[0]!.inputTokens);
    const failed = rows.findIndex((r) => r.error);
    expect(rows[failed]!.inputTokens).toBe(0);
    expect(plan.arrivals[failed]!.inputTokens).toBe(plan.promptSlotTokens[failed % 100]);
    expect(plan.arrivals[failed]!.observed).toBeUndefined();
    expect(plan.arrivals[0]!.observed).toEqual({ ttftUs: rows[0]!.ttftUs, e2eUs: rows[0]!.e2eUs });
    expect(plan.arrivals.every((a) => a.outputTokens === 1448)).toBe(true);
  });

  it('the prompt cycle restarts at every stage, as inference-perf\'s run_stage starts a fresh get_data() (synthetic and trace)', () => {
    const json = JSON.parse(readFileSync(new URL(`${CODEGEN}.json`, dir), 'utf8'));
    json.workload.stages[0].num_requests = 3050;
    const synthetic = buildPlan(parseExperiment(json, 'c.json'), { seed: 1, arrivals: 'synthetic' });
    const first = synthetic.arrivals.findIndex((a) => a.stage === 1);
    expect(first).toBe(3050);
    for (let k = 0; k < 100; k++) expect(synthetic.arrivals[first + k]!.prefix).toEqual(synthetic.arrivals[k]!.prefix);
    // A trace whose first stage holds 2950 rows: stage 1's first row takes the cycle's first prompt again.
    const rows = rowsOf(CODEGEN).filter((r) => r.index >= 50);
    const trace = buildPlan(load(CODEGEN), { requests: rows });
    const t1 = trace.arrivals.findIndex((a) => a.stage === 1);
    expect(t1).toBe(2950);
    expect(trace.arrivals[t1]!.prefix!.group).toBe(trace.arrivals[0]!.prefix!.group);
    expect(trace.arrivals[t1 + 99]!.prefix!.group).toBe(trace.arrivals[99]!.prefix!.group);
  });

  it('trace stage windows start at the stage\'s first arrival', () => {
    const plan = buildPlan(load(CODEGEN), { requests: rowsOf(CODEGEN) });
    expect(plan.stages[1]!.startUs).toBe(604196966);
    expect(plan.arrivals.filter((a) => a.stage === 1)).toHaveLength(6000);
  });

  it('quantile sampling of prompt lengths interpolates through the known points', () => {
    const st = { min: 100, p10: 110, p50: 150, p90: 190, max: 200 };
    expect(sampleLength(st, 0)).toBe(100);
    expect(sampleLength(st, 0.3)).toBe(130);
    expect(sampleLength(st, 1)).toBe(200);
    expect(sampleLength({ mean: 42 }, 0.5)).toBe(42);
  });

  it('missing output length is an error naming the file and field', () => {
    const j = JSON.parse(readFileSync(new URL(`${CODEGEN}.json`, dir), 'utf8'));
    delete j.workload.output_tokens_generated;
    delete j.workload.shared_prefix_effective.output_len;
    expect(() => buildPlan(parseExperiment(j, 'o.json'))).toThrow(/o\.json: workload\.output_tokens_generated/);
  });
});

describe('the GPU a file names', () => {
  const withGpu = (gpu: string) => {
    const j = JSON.parse(readFileSync(new URL(`${CODEGEN}.json`, dir), 'utf8'));
    j.hardware.gpu = gpu;
    return buildPlan(parseExperiment(j, 'g.json'), { seed: 1, arrivals: 'synthetic' }).assumptions.find((a) => a.field === 'hardware.gpu');
  };

  it('a name several catalogued parts fit is read as one, and the report says which and what else it could be', () => {
    const a100 = withGpu('A100')!;
    expect(a100).toMatchObject({ kind: 'assumed', value: 'A100-80' });
    expect(a100.why).toMatch(/^'A100' fits A100-80, A100-40, A100-PCIe-80, A100-PCIe-40: read as A100-80/);
    // nvidia-smi's name of the SXM part also fits the PCIe card's "h100-pcie-80gb".
    expect(withGpu('NVIDIA H100 80GB HBM3')).toMatchObject({ value: 'H100', why: expect.stringMatching(/fits H100, H100-PCIe/) });
  });

  it('a name that picks one part gets no note', () => {
    for (const gpu of ['H100-SXM-80GB', 'NVIDIA A100-SXM4-80GB', 'NVIDIA A100 SXM4 80 GB', 'NVIDIA L40S', 'A100 80GB PCIe']) expect([gpu, withGpu(gpu)]).toEqual([gpu, undefined]);
  });
});
