import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { findModelQuantized, getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { DEFAULT_TILE_TFLOPS, moeDefaultTileTflops } from '../../src/model/moe-default-tiles.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { ROOFLINE_BASIS, rooflineBasis } from '../../src/model/roofline.js';
import type { HardwareSpec } from '../../src/model/hardware.js';
import type { ModelSpec } from '../../src/model/model-spec.js';

/*
 * The expert GEMMs' rate under vLLM 0.14/0.15's default fused-MoE tiles (model/moe-default-tiles.ts),
 * recomputed from vLLM 0.14's own fused_experts timings (aiconfigurator moe_perf,
 * test/fixtures/model/aiconfigurator-vllm-moe.json; docs/external-checks.md, "Fused MoE per GPU").
 */
type Row = [system: string, vllm: string, model: string, dtype: string, distribution: string, tp: number, tokens: number, us: number];
const fixture = JSON.parse(readFileSync(new URL('../fixtures/model/aiconfigurator-vllm-moe.json', import.meta.url), 'utf8')) as { rows: Row[] };
const GPU: Record<string, string> = { h100_sxm: 'H100', h200_sxm: 'H200', a100_sxm: 'A100-80', l40s: 'L40S' };
const MIXTRAL = 'mistralai/mixtral-8x7b-v0.1';
const QWEN = 'qwen/qwen3-30b-a3b';
const MOE = ROOFLINE_BASIS.indexOf('moe_us');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Achieved expert-GEMM TFLOP/s of a row: tokens · top_k · 6 · hidden · intermediate / TP over the measured µs. */
const tflops = (m: ModelSpec, r: Row): number => (r[6] * m.expertsPerToken * 6 * m.hiddenSize * m.moeIntermediateSize) / r[5] / r[7] / 1e6;
/** Does blis cost this bf16 row at the default-tile rate (no tuned file for the shape and GPU)? */
const defaultTiled = (r: Row): boolean => moeDefaultTileTflops({ model: getModel(r[2]), hardware: getHardware(GPU[r[0]]!), tp: r[5] }) !== null;
const v014bf16 = (r: Row): boolean => r[1] === '0.14.0' && r[3] === 'bfloat16' && r[0] in GPU;

const out = new Float64Array(ROOFLINE_BASIS.length);
/** blis's raw µs of one MoE layer's fused_experts (moe_us per layer plus the five kernel floors the row times), as moe-gpu-transfer.test.ts. */
function blisUs(model: ModelSpec, hw: HardwareSpec, tp: number, tokens: number): number {
  const shape = { size: 1, newTokens: Int32Array.of(tokens), contextTokens: Int32Array.of(0), isPrefill: Uint8Array.of(1), totalNewTokens: tokens, numPrefill: 1 };
  rooflineBasis({ model, hardware: hw, tp })(shape, out);
  return out[MOE]! / model.moeLayers + (2 + 3 * (hw.smallKernelFloorRatio ?? 1)) * ROOFLINE_DEFAULTS.kernelFloorUs;
}

describe("vLLM's default fused-MoE tiles (get_default_config) cap the expert GEMMs' rate", () => {
  test('each GPU rate is the median of its default-tile rows at 4,096-16,384 tokens (power-law routing, vLLM 0.14)', () => {
    for (const [system, gpu] of Object.entries(GPU)) {
      const xs = fixture.rows
        .filter((r) => v014bf16(r) && r[0] === system && r[4] === 'power_law_1.01' && r[6] >= 4096 && r[6] <= 16384 && defaultTiled(r))
        .map((r) => tflops(getModel(r[2]), r));
      expect(xs.length).toBe({ H100: 20, H200: 10, 'A100-80': 25, L40S: 50 }[gpu]);
      expect(median(xs)).toBeCloseTo(DEFAULT_TILE_TFLOPS[gpu]!, 1);
    }
  });

  test('the rate holds across shapes (per shape and TP within 0.75-1.25 of the GPU rate), where tuned large-expert tiles run 1.5-2.9x faster', () => {
    for (const [system, gpu] of Object.entries(GPU)) {
      const groups = new Map<string, number[]>();
      for (const r of fixture.rows) {
        if (!v014bf16(r) || r[0] !== system || r[4] !== 'power_law_1.01' || r[6] < 4096 || r[6] > 16384) continue;
        const key = `${r[2]}|${r[5]}|${defaultTiled(r)}`;
        groups.set(key, [...(groups.get(key) ?? []), tflops(getModel(r[2]), r)]);
      }
      const rate = DEFAULT_TILE_TFLOPS[gpu]!;
      for (const [key, xs] of groups) {
        const [name, , dflt] = key.split('|');
        const rel = median(xs) / rate;
        if (dflt === 'true') {
          expect(rel).toBeGreaterThan(0.74);
          expect(rel).toBeLessThan(1.25);
        } else if (name !== QWEN) {
          // Mixtral's tuned files (H100 TP 2-8, H200, A100 TP 2-8, L40S TP 4).
          expect(rel).toBeGreaterThan(1.5);
        }
      }
    }
  });

  test('where it applies: 16-bit Triton experts, a checked shape with no tuned file, a GPU with a measured rate', () => {
    const at = (model: ModelSpec, gpu: string, tp: number, dp?: number, ep = false): number | null =>
      moeDefaultTileTflops({ model, hardware: getHardware(gpu), tp, ...(dp === undefined ? {} : { moeParallel: { dp, expertParallel: ep } }) });
    const mixtral = getModel(MIXTRAL);
    const qwen = getModel(QWEN);
    expect(at(mixtral, 'H100', 1)).toBe(209.6); // no E=8,N=14336 H100 file
    expect(at(mixtral, 'H100', 2)).toBeNull(); // E=8,N=7168 H100: the visible runs
    expect(at(mixtral, 'H200', 1)).toBeNull(); // E=8,N=14336 H200 ships
    expect(at(mixtral, 'L40S', 4)).toBeNull(); // E=8,N=3584 L40S ships
    expect(at(mixtral, 'L40S', 8)).toBe(94);
    expect(at(qwen, 'A100-80', 1)).toBe(103.1);
    expect(at(qwen, 'A100-80', 4)).toBeNull(); // E=128,N=192 A100 ships
    expect(at(qwen, 'B200', 2)).toBeNull(); // no vLLM 0.14/0.15 measurement
    expect(at(qwen, 'A100-40', 2)).toBeNull();
    // Data parallelism shards N over dp · tp GPUs (E=128,N=384 H100 ships); expert parallelism's E=64 shares were not looked up.
    expect(at(qwen, 'H100', 1, 2)).toBeNull();
    expect(at(qwen, 'H100', 1, 2, true)).toBeNull();
    // Llama-4-Scout bf16 (E=16, N = 8192 / TP): H100 ships files for N=4096/2048/1024, H200 for 2048/1024; none elsewhere. FP8 runs CUTLASS on Hopper.
    const scout = getModel('meta-llama/llama-4-scout-17b-16e-instruct');
    expect(at(scout, 'H100', 2)).toBeNull();
    expect(at(scout, 'H100', 4)).toBeNull();
    expect(at(scout, 'H100', 1)).toBe(209.6); // no E=16,N=8192 file
    expect(at(scout, 'H200', 8)).toBeNull();
    expect(at(scout, 'H200', 2)).toBe(248.5);
    expect(at(scout, 'A100-80', 4)).toBe(103.1);
    expect(at(scout, 'L40S', 8)).toBe(94);
    expect(at(scout, 'B200', 8)).toBeNull(); // a B200 file ships; B200 has no measured default-tile rate anyway
    expect(at(getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic'), 'H100', 2)).toBeNull();
    const fp8 = findModelQuantized(MIXTRAL, { quant_method: 'fp8', activation_scheme: 'static' }, 'moe-default-tiles.test.ts')!;
    expect(at(fp8, 'H100', 1)).toBeNull();
  });

  test('calls on at most E tokens (the 16 x 32 x 64 tile) keep the catalog rate; above, the default tile is slower', () => {
    const qwen = getModel(QWEN);
    const h100 = getHardware('H100');
    // The same GPU under another name has no measured default-tile rate: the catalog rate throughout.
    const unmeasured = { ...h100, name: 'H100-as-before' } as HardwareSpec;
    for (const t of [1, 8, 64, 128]) expect(blisUs(qwen, h100, 1, t)).toBe(blisUs(qwen, unmeasured, 1, t));
    for (const t of [129, 512, 2048, 16384]) expect(blisUs(qwen, h100, 1, t)).toBeGreaterThan(blisUs(qwen, unmeasured, 1, t));
    // Compute-bound: the FLOP term at 209.6 instead of 732 TFLOP/s.
    expect(blisUs(qwen, h100, 1, 16384) / blisUs(qwen, unmeasured, 1, 16384)).toBeGreaterThan(2.5);
  });

  test('default-tile rows at 1,024-16,384 tokens: measured / blis 1.7-2.9x before, 0.91-0.99 now (median per GPU)', () => {
    for (const [system, gpu] of Object.entries(GPU)) {
      const hw = getHardware(gpu);
      const ratios = fixture.rows
        .filter((r) => v014bf16(r) && r[0] === system && r[4] === 'power_law_1.01' && r[6] >= 1024 && r[6] <= 16384 && defaultTiled(r))
        .map((r) => r[7] / blisUs(getModel(r[2]), hw, r[5], r[6]));
      expect(median(ratios)).toBeGreaterThan(0.9);
      expect(median(ratios)).toBeLessThan(1.0);
    }
  });
});
