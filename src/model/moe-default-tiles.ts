/**
 * The expert GEMMs' rate when vLLM has no tuned tile file for the shape. vLLM 0.15's Triton
 * fused-MoE kernel takes its tiles from `configs/E={E},N={N},device_name={GPU}.json` when one
 * ships (./moe-jit.ts) and from `get_default_config` otherwise
 * (model_executor/layers/fused_moe/fused_moe.py, the same in vLLM 0.14 and 0.15): BLOCK_SIZE_M × N
 * × K = 16 × 32 × 64 with GROUP_SIZE_M 1 when the call's tokens M ≤ E, else 64 × 64 × 32 with
 * GROUP_SIZE_M 8, and no `num_warps` or `num_stages`, so Triton's defaults (4 warps, 3 stages).
 * Those tiles are dtype- and GPU-blind; vllm-project/vllm#34846 (opened 2026-02-18, after 0.15.1)
 * replaced them with batch-size-aware ones that set both.
 *
 * What vLLM 0.14 measured with these tiles (aiconfigurator's moe_perf tables,
 * test/fixtures/model/aiconfigurator-vllm-moe.json; docs/external-checks.md, "Fused MoE per GPU"):
 * at 4,096–16,384 tokens the expert GEMMs run at one rate per GPU whatever the shape (Qwen3-30B-A3B,
 * Mixtral-8x7B, Mixtral-8x22B at the TP degrees with no file: H100 189–229 TFLOP/s, A100 80–120,
 * L40S 66–129), where the tuned files give H100 528–622 and A100 166–174 for the large-expert
 * shapes. So with default tiles the experts' FLOPs are costed at that rate (the tile's throughput),
 * not the catalog's dense GEMM rate; the weight read is left alone (decode-sized calls: 1.35–1.6×
 * slower than tuned for Mixtral's 8 large experts, no slower for Qwen3's 128 small ones, so no one
 * bandwidth factor holds across shapes). Tuned shapes keep the catalog rate.
 *
 * Applied only where all of these hold: 16-bit experts on the Triton path (./moe-jit.ts decides),
 * an (E, N) whose tuned files were looked up for the catalog GPUs (`checkedShapes` in
 * moe-tuned-configs.json) with none found for this GPU, and a GPU whose default-tile rate was
 * measured (H100, H200, A100-80, L40S). Anything else keeps the catalog rate: an unchecked shape may
 * have a file blis does not know of, and the other GPUs' default-tile rates were not measured on
 * a vLLM with these tiles (B200 only on vLLM 0.19).
 */
import { createRequire } from 'node:module';
import type { StepTimeContext } from './step-time.js';
import { moeJitFacts } from './moe-jit.js';
import { expertLayout } from './moe-parallel.js';

/**
 * TFLOP/s of the expert GEMMs with vLLM 0.14/0.15's default tiles, per catalog GPU: the median
 * over the GPU's bf16 rows without a tuned file at 4,096–16,384 tokens (power-law routing, the one
 * every GPU has; achieved rate = tokens · top_k · 6 · hidden · intermediate / TP over the measured
 * µs) of aiconfigurator's vLLM 0.14 moe_perf tables (ai-dynamo/aiconfigurator@095f58a; H100
 * 20 rows, H200 10, A100 SXM4 80GB 25, L40S 50). test/model/moe-default-tiles.test.ts recomputes them.
 */
export const DEFAULT_TILE_TFLOPS: Readonly<Record<string, number>> = Object.freeze({
  H100: 209.6,
  H200: 248.5,
  'A100-80': 103.1,
  L40S: 94.0,
});

const CHECKED: readonly (readonly [number, number])[] = (createRequire(import.meta.url)('./moe-tuned-configs.json') as { checkedShapes: [number, number][] }).checkedShapes;

/**
 * TFLOP/s the routed experts' GEMMs run at because vLLM uses its default tiles for them on this
 * GPU, TP and parallelism; null when the catalog rate applies (a tuned file, another kernel, or no
 * measurement).
 */
export function moeDefaultTileTflops(ctx: StepTimeContext): number | null {
  const rate = DEFAULT_TILE_TFLOPS[ctx.hardware.name];
  if (rate === undefined) return null;
  const facts = moeJitFacts(ctx);
  if (facts === null || facts.keys !== null) return null;
  const layout = expertLayout(ctx.model.numExperts, ctx.tp, ctx.moeParallel);
  const n = ctx.model.moeIntermediateSize / layout.shard;
  return CHECKED.some(([e, cn]) => e === facts.experts && cn === n) ? rate : null;
}
