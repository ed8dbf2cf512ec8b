/**
 * The calibration set's overload check: with the shipped coefficients, each reasoning run is
 * simulated whole from its spec and the requests failing the 300 s client timeout are counted
 * like inference-perf counts them. Real vLLM failed 4068 (Llama-2-7B), 1600 (Llama-2-70B) and
 * 3294 (Mixtral-8x7B) of 4800, and only 4 of 4800 on CodeLlama-34B, which held at the edge of
 * saturation. The bound is the calibration baseline's `limits.overload_failure_ratio` (the same
 * number `blis validate --baseline` gates on), to be tightened after a refit; runs the baseline
 * lists in `limits.overload_known_gaps` are expected to fail it (it.fails).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../src/validate/load-experiments.node.js';
import { prepareExperiment, compareExperiment } from '../../src/validate/validate.js';
import { simulatePlan } from '../../src/validate/simulate-plan.js';

const DIR = new URL('../../baselines/calibration-experiments', import.meta.url).pathname;
const LIMITS = JSON.parse(readFileSync(new URL('../../baselines/calibration.json', import.meta.url), 'utf8')).limits as { overload_failure_ratio: number; overload_known_gaps?: Record<string, string> };
const RATIO = LIMITS.overload_failure_ratio;
/** Runs the baseline names as known gaps: expected to fail this check, so the day they pass shows. */
const GAPS = Object.keys(LIMITS.overload_known_gaps ?? {});

async function failures(idPart: string): Promise<{ predicted: number; actual: number; status: string }> {
  const [src] = await loadExperiments(DIR, { only: (id) => id.includes(idPart) });
  const { exp, plan, rows } = prepareExperiment(src!, { plan: { arrivals: 'synthetic' } });
  const result = await simulatePlan(plan);
  const summary = compareExperiment(exp, rows, plan, result.records ?? []).stages.find((s) => s.index === 'summary')!;
  return { predicted: summary.requests!.predicted!.failed, actual: summary.requests!.actual!.failed, status: exp.status };
}

describe(`overloaded calibration runs fail within ×/÷ ${RATIO} of the real count (shipped coefficients)`, () => {
  for (const id of ['llama-2-7b-tp1-reasoning', 'llama-2-70b-hf-tp4-reasoning', 'mixtral-8x7b-v0-1-tp2-reasoning']) {
    const gap = GAPS.some((g) => g.includes(id));
    (gap ? it.fails : it)(gap ? `${id} (a known gap in the baseline's limits.overload_known_gaps: expected to fail)` : id, async () => {
      const f = await failures(id);
      expect(f.status).toBe('excluded_overload');
      expect(f.actual).toBeGreaterThan(1000);
      expect(RATIO).toBeLessThanOrEqual(3);
      expect(f.predicted).toBeGreaterThanOrEqual(f.actual / RATIO);
      expect(f.predicted).toBeLessThanOrEqual(f.actual * RATIO);
    }, 60_000);
  }

  // Real vLLM held at the edge (TTFT p99 239 s of the 300 s allowed): 2% more step time turns
  // 4 failures into hundreds, so the check is that it does not collapse like the overloaded runs
  // (33–85% failed), not the exact count (docs/calibration.md).
  it('codellama-34b-tp2-reasoning (active, at the edge of saturation: 4 of 4800 failed) does not collapse', async () => {
    const f = await failures('codellama-34b-tp2-reasoning');
    expect(f.status).toBe('active');
    expect(f.actual).toBe(4);
    expect(f.predicted).toBeLessThan(0.2 * 4800);
  }, 60_000);
});
