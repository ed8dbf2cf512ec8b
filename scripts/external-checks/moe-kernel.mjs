#!/usr/bin/env node
/**
 * blis's fused-MoE term against vLLM's own kernel benchmark (docs/external-checks.md, "Two
 * narrower checks of the prefill"). Usage, after `npm ci && npm run build`:
 *
 *   node scripts/external-checks/moe-kernel.mjs
 *
 * What vLLM's `benchmarks/kernels/benchmark_moe.py` times: `fused_moe` (since renamed
 * `fused_experts` after `fused_topk`) on random bf16 (or fp8 w8a8) weights and random gating
 * logits, i.e. near-uniform routing: the top-k softmax, moe_align_block_size, the w13 expert GEMM,
 * SiLU-and-mul, the w2 expert GEMM and the sum of the top-k outputs, ten calls captured in one
 * CUDA graph and replayed, µs per call. blis's side is the roofline basis's `moe_us` (the two
 * expert GEMMs: the distinct experts' weights and the padded tokens' FLOPs) for a step of that
 * many tokens divided by the MoE layers, plus the floors of the layer's MoE kernels at the
 * shipped kernel-floor coefficient: seven, and two more (activation quantisation) for fp8 w8a8;
 * the small ones among them at the GPU's small-kernel floor ratio, as blis costs them.
 * The GPU-side rates are the catalog's; nothing here is fitted to these figures.
 *
 * Each published table names its source, GPU, shape, dtype, tile config and harness. Shapes the
 * catalog lacks are built by the HF-config parser from a catalogued config with the published
 * MoE-layer facts put in (hidden size, experts, expert intermediate size, top k): only the MoE
 * layer is read here, and no other field moves its term. Tables not timed by benchmark_moe.py
 * are marked `harness`, and are context, not checks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as M from '../../dist/model/index.js';
import { findModelQuantized } from '../../dist/model/catalog.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const catalog = JSON.parse(readFileSync(join(root, 'src', 'model', 'models.json'), 'utf8'));

/** vLLM's `--quantization fp8`: per-tensor fp8 weights, dynamic fp8 activations (benchmark_moe.py --dtype fp8_w8a8 without a block shape). */
const FP8_PER_TENSOR = { quant_method: 'fp8', activation_scheme: 'dynamic' };

/** A catalogued model, optionally quantised as vLLM's --quantization fp8. */
const catalogued = (name, fp8 = false) => (fp8 ? findModelQuantized(name, FP8_PER_TENSOR, 'moe-kernel.mjs') : M.getModel(name));

/** A MoE layer of published shape: `base`'s catalog config with the MoE-layer facts replaced. */
function moeLayerOf(label, base, facts, fp8 = false) {
  const entry = catalog.models.find((m) => m.name === base);
  const config = { ...entry.config, ...facts, ...(fp8 ? { quantization_config: FP8_PER_TENSOR } : {}) };
  return M.modelSpecFromHfConfig(config, label, `moe-kernel.mjs: ${label}`);
}

/** [tokens, µs per MoE layer] as published, by series (the tile config each was run with). */
const TABLES = [
  {
    // vllm-project/vllm#24700 (mgoin, 2025-09-11), "Benchmarks on H100", Mixtral BF16:
    // `benchmark_moe.py --model=mistralai/Mixtral-8x7B-Instruct-v0.1 -tp=2`, tuned file
    // E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json. E 8, N 7168 (w13 width), hidden 4096, top 2.
    title: 'Mixtral-8x7B TP 2, H100 SXM, bf16 (vllm#24700)',
    model: () => catalogued('mistralai/mixtral-8x7b-v0.1'),
    gpu: 'H100', tp: 2,
    series: {
      tuned: [[1, 144.03], [2, 229.28], [4, 351.1], [8, 434.98], [16, 471.49], [24, 478.27], [32, 487.35], [48, 487.85], [64, 483.14], [96, 494.42], [128, 491.39], [256, 536.77], [512, 662.33], [1024, 833.72], [1536, 1122.93]],
    },
  },
  {
    // vllm-project/vllm#19049 (gty111, 2025-06-03), "Create E=128,N=768,device_name=NVIDIA_A100-PCIE-40GB.json",
    // Qwen/Qwen3-30B-A3B TP 1 bf16 on A100-PCIE-40GB, "Before this PR" (vLLM's default tiles
    // BLOCK_SIZE_M 16, N 32, K 64). Only the rows up to 96 tokens could be read (the same table is
    // in sgl-project/sglang#6825). E 128, expert intermediate 768, hidden 2048, top 8.
    title: 'Qwen3-30B-A3B TP 1, A100 PCIe 40GB, bf16 (vllm#19049)',
    model: () => catalogued('qwen/qwen3-30b-a3b'),
    gpu: 'A100-PCIe-40', tp: 1,
    series: {
      default: [[1, 109.21], [2, 159.81], [4, 268.89], [8, 403.13], [16, 611.19], [24, 730.19], [32, 808.53], [48, 885.97], [64, 917.45], [96, 943.14]],
    },
  },
  {
    // vllm-project/vllm#31448 (Jzz1943, 2025-12-28), tuned configs for Qwen3-Omni-30B-A3B on B200:
    // `benchmark_moe.py --model Qwen/Qwen3-Omni-30B-A3B-Instruct --dtype auto --tp-size 1`, "with
    // default config" (no E=128,N=768,device_name=NVIDIA_B200.json). The thinker's MoE is Qwen3-30B-A3B's
    // shape (E 128, N 768, hidden 2048, top 8). Only the first three rows could be read.
    title: 'Qwen3-Omni-30B-A3B (Qwen3-30B-A3B MoE) TP 1, B200, bf16 (vllm#31448)',
    model: () => catalogued('qwen/qwen3-30b-a3b'),
    gpu: 'B200', tp: 1,
    series: { default: [[1, 39.61], [2, 51.87], [4, 73.18]] },
  },
  {
    // vllm-project/vllm#24700 (mgoin, 2025-09-11), "Qwen3 MoE FP8" on H100:
    // `benchmark_moe.py --model=Qwen/Qwen3-30B-A3B -tp=1 --dtype=fp8_w8a8` (per-tensor fp8, the
    // Triton fused_moe kernel), "# Main": vLLM main of that day, whichever config it picked.
    title: 'Qwen3-30B-A3B TP 1, H100 SXM, fp8 w8a8 (vllm#24700)',
    model: () => catalogued('qwen/qwen3-30b-a3b', true),
    gpu: 'H100', tp: 1, fp8: true,
    series: {
      main: [[1, 44.54], [2, 59.94], [4, 90.46], [8, 129.77], [16, 185.4], [24, 215.99], [32, 238.37], [48, 257.83], [64, 262.73], [96, 270.98], [128, 273.72], [256, 355.49], [512, 391.86], [1024, 536.33], [1536, 727.31], [2048, 911.64], [3072, 1279.17], [4096, 1647.57]],
    },
  },
  {
    // vllm-project/vllm#53710 (nicholaskh-ai, 2026-08-25), "Tune fused_moe FP8 config for Qwen3-VL on
    // L40S": `benchmark_moe.py --tp-size 1 --dtype fp8_w8a8`, one L40S, Triton 3.6.0, shape E 128,
    // N 768 (Qwen3-VL-30B-A3B's text MoE: Qwen3-30B-A3B's shape), default vs tuned.
    title: 'Qwen3-VL-30B-A3B (Qwen3-30B-A3B MoE) TP 1, L40S, fp8 w8a8 (vllm#53710)',
    model: () => catalogued('qwen/qwen3-30b-a3b', true),
    gpu: 'L40S', tp: 1, fp8: true,
    series: {
      default: [[2, 39.06], [4, 204.56], [8, 376.96], [16, 592.31], [32, 800.43], [64, 902.75], [128, 947.23], [256, 978.59], [512, 1034.18], [1024, 1126.08], [2048, 1375.4], [4096, 1916.23], [8192, 3195.68]],
      tuned: [[2, 37.79], [4, 190.41], [8, 347.98], [16, 552.82], [32, 742.22], [64, 839.49], [128, 870.36], [256, 897.68], [512, 948.74], [1024, 1052.11], [2048, 1286.4], [4096, 1846.43], [8192, 3195.68]],
    },
  },
  {
    // vllm-project/vllm#53819 (nicholaskh-ai, 2026-08-26), "Tune fused_moe FP8 config for Qwen3.5 on
    // L40S": E=256,N=512 fp8 w8a8 on one L40S, Triton 3.6.0, default vs tuned. Qwen3.5-35B-A3B at
    // TP 1: 256 experts of intermediate 512 (vllm#35808: E=256,N=512 is Qwen3.5-35B-A3B at TP 1),
    // hidden 2048 (its config.json, quoted in sgl-project/sglang-jax#1251), top 8 (transformers'
    // Qwen3.5 MoE model card: 256 experts, 8 routed). The catalog refuses Qwen3.5's linear-attention
    // layers, so its MoE layer is read through Qwen3-30B-A3B's config.
    title: 'Qwen3.5-35B-A3B TP 1, L40S, fp8 w8a8 (vllm#53819)',
    model: () => moeLayerOf('Qwen3.5-35B-A3B MoE layer', 'qwen/qwen3-30b-a3b', { hidden_size: 2048, num_experts: 256, moe_intermediate_size: 512, num_experts_per_tok: 8 }, true),
    gpu: 'L40S', tp: 1, fp8: true,
    series: {
      default: [[2, 31.92], [4, 78.61], [8, 276.79], [16, 485.35], [32, 771.95], [64, 1034.79], [128, 1203.54], [256, 1249.71], [512, 1304.43], [1024, 1389.43], [2048, 1591.11], [4096, 2015.45], [8192, 2926.05], [16384, 4868.18], [32768, 9399.84]],
      tuned: [[2, 29.98], [4, 76.57], [8, 259.57], [16, 455.32], [32, 730.29], [64, 974.49], [128, 1113.81], [256, 1167.44], [512, 1214.92], [1024, 1303.19], [2048, 1502.44], [4096, 1904.68], [8192, 2772.23], [16384, 4854.88], [32768, 9198.1]],
    },
  },
  {
    // vllm-project/vllm#40542 (varjoranta, 2026-04-21, closed), E=64,N=1408 on
    // A100-SXM4-80GB, bf16, hidden 2048, top 6 (DeepSeek-V2-Lite's and Kimi-VL-A3B's MoE), default
    // vs tuned. Harness: a standalone tuner timing vLLM's fused MoE with
    // triton.testing.do_bench(warmup=5, rep=30), not benchmark_moe.py and no CUDA graph.
    title: 'DeepSeek-V2-Lite MoE TP 1, A100 SXM 80GB, bf16 (vllm#40542)',
    harness: 'triton do_bench, not benchmark_moe.py',
    model: () => catalogued('deepseek-ai/deepseek-v2-lite'),
    gpu: 'A100-80', tp: 1,
    series: {
      default: [[1, 183.5], [4, 266.2], [16, 542.6], [64, 698.1], [256, 769.5], [1024, 1022.5], [4096, 2919.0]],
      tuned: [[1, 183.5], [4, 266.2], [16, 523.3], [64, 677.6], [256, 717.0], [1024, 929.9], [4096, 2636.6]],
    },
  },
  {
    // vllm-project/vllm#44818 (LucasWilkinson, 2026-06-08, open), H200 BF16 configs for Gemma4
    // taken from sgl-project/sglang#26588: "Gemma4 MoE kernel microbenchmark: E=128, N=704, K=2816,
    // top_k=8, BF16, NVIDIA H200, 500 iterations per data point", default vs tuned. Harness not
    // stated (not benchmark_moe.py); its flat ~185 µs from 1 to 4 tokens, ten times the eight
    // experts' weight read, suggests a per-call overhead inside every figure.
    title: 'Gemma-4 26B-A4B MoE TP 1, H200, bf16 (vllm#44818)',
    harness: 'unstated microbenchmark, ~180 µs per-call overhead',
    model: () => moeLayerOf('Gemma-4 MoE layer', 'qwen/qwen3-30b-a3b', { hidden_size: 2816, num_experts: 128, moe_intermediate_size: 704, num_experts_per_tok: 8 }),
    gpu: 'H200', tp: 1,
    series: {
      default: [[1, 189.2], [2, 187.0], [4, 185.4], [8, 200.0], [16, 257.8], [24, 314.4], [32, 341.1], [48, 382.8], [64, 391.8], [96, 405.6], [128, 409.1], [256, 419.8], [512, 442.2], [1024, 536.5], [1536, 585.4], [2048, 742.9], [3072, 992.9], [4096, 1249.5]],
      tuned: [[1, 185.1], [2, 188.9], [4, 185.1], [8, 204.4], [16, 264.1], [24, 314.4], [32, 324.9], [48, 365.5], [64, 384.1], [96, 390.3], [128, 396.4], [256, 419.6], [512, 442.3], [1024, 528.4], [1536, 582.0], [2048, 728.2], [3072, 962.9], [4096, 1189.6]],
    },
  },
];

const shipped = JSON.parse(readFileSync(join(root, 'src', 'model', 'coefficients', 'default.json'), 'utf8'));
const coeffs = shipped.entries.find((e) => Object.keys(e.match).length === 0).coefficients;
const floorUs = M.ROOFLINE_DEFAULTS.kernelFloorUs * coeffs.kernels_us;
const MOE = M.ROOFLINE_BASIS.indexOf('moe_us');
const out = new Float64Array(M.ROOFLINE_BASIS.length);

/** blis's µs for one MoE layer of a `tokens`-token step; `floorsUs`: the layer's kernel floors. */
function blisLayerUs(basis, model, floorsUs, tokens) {
  const shape = { size: 1, newTokens: Int32Array.of(tokens), contextTokens: Int32Array.of(0), isPrefill: Uint8Array.of(1), totalNewTokens: tokens, numPrefill: 1 };
  basis(shape, out);
  return (coeffs.moe_us * out[MOE]) / model.moeLayers + floorsUs;
}

const pct = (blis, measured) => ((blis - measured) / measured) * 100;
const fmt = (x, w, d = 1) => x.toFixed(d).padStart(w);

console.log(`kernel floor ${floorUs.toFixed(2)} µs; error = (blis − measured) / measured`);
const summary = [];
for (const t of TABLES) {
  const model = t.model();
  const basis = M.rooflineBasis({ model, hardware: M.getHardware(t.gpu), tp: t.tp });
  const kernels = t.fp8 ? 9 : 7;
  // The router, w13 and w2 GEMMs keep the floor; the small ones (top-k softmax, block alignment,
  // activation, top-k sum, and fp8's two activation quantisations) pay the GPU's multiple of it,
  // as in blis's kernels_us (docs/model.md, small-kernel floor).
  const small = kernels - 3;
  const floorsUs = (3 + small * (M.getHardware(t.gpu).smallKernelFloorRatio ?? 1)) * floorUs;
  const names = Object.keys(t.series);
  const tokens = [...new Set(names.flatMap((n) => t.series[n].map(([x]) => x)))].sort((a, b) => a - b);
  console.log(`\n${t.title}${t.harness ? ` [harness: ${t.harness}]` : ''}`);
  console.log(`  E ${model.numExperts}, N ${model.moeIntermediateSize / t.tp}, hidden ${model.hiddenSize}, top ${model.expertsPerToken}; ${t.gpu} TP ${t.tp}; ${kernels} kernel floors`);
  console.log(`  tokens  ${names.map((n) => n.padStart(9)).join(' ')}     blis  ${names.map((n) => `err ${n}`.padStart(12)).join(' ')}`);
  const big = Object.fromEntries(names.map((n) => [n, []]));
  for (const x of tokens) {
    const blis = blisLayerUs(basis, model, floorsUs, x);
    const cells = names.map((n) => t.series[n].find(([y]) => y === x)?.[1]);
    names.forEach((n, i) => { if (cells[i] !== undefined && x >= 1024) big[n].push(pct(blis, cells[i])); });
    const meas = cells.map((m) => (m === undefined ? '-'.padStart(9) : fmt(m, 9)));
    const errs = cells.map((m) => (m === undefined ? '-'.padStart(12) : `${fmt(pct(blis, m), 10)} %`));
    console.log(`  ${String(x).padStart(6)}  ${meas.join(' ')} ${fmt(blis, 8)}  ${errs.join(' ')}`);
  }
  // The expert GEMMs' FLOPs at the largest token count over each time: the grouped GEMM's achieved rate.
  const last = tokens[tokens.length - 1];
  const flops = (last * model.expertsPerToken * 6 * model.hiddenSize * model.moeIntermediateSize) / t.tp;
  const peak = t.fp8 ? M.getHardware(t.gpu).fp8Tflops : M.getHardware(t.gpu).bf16Tflops;
  const rate = (us) => `${(flops / us / 1e6).toFixed(0)}`;
  const measuredRates = names.map((n) => t.series[n].find(([y]) => y === last)?.[1]).filter((m) => m !== undefined).map(rate);
  console.log(`  at ${last} tokens, expert GEMM TFLOP/s: measured ${measuredRates.join(' / ')}, blis ${rate(blisLayerUs(basis, model, floorsUs, last))}, datasheet ${peak}`);
  for (const n of names) {
    if (big[n].length > 0) summary.push(`${t.title}, ${n}: ${big[n].map((e) => `${e.toFixed(0)} %`).join(', ')}${t.harness ? ' (other harness)' : ''}`);
  }
}
console.log('\nblis error at >= 1024 tokens, by table and series:');
for (const s of summary) console.log(`  ${s}`);
