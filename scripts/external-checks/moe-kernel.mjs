#!/usr/bin/env node
/**
 * blis's fused-MoE term against vLLM's own kernel benchmark (docs/external-checks.md, "Fused MoE
 * against vLLM's kernel benchmark"). Usage, after `npm ci`:
 *
 *   node scripts/external-checks/moe-kernel.mjs
 *
 * The measurement: vllm-project/vllm#24700 (mgoin, 2025-09-11), "Benchmarks on H100", Mixtral
 * BF16 `benchmarks/kernels/benchmark_moe.py --model=mistralai/Mixtral-8x7B-Instruct-v0.1 -tp=2`
 * with the tuned config E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json: the time of one MoE
 * layer (routing top-k, block alignment, the two expert GEMMs, the activation and the sum of the
 * top-k outputs), replayed from a CUDA graph, by tokens in the batch. blis's side is the roofline
 * basis's `moe_us` for a step of that many tokens divided by the MoE layers, plus the floors of
 * the layer's seven MoE kernels at the shipped kernel-floor coefficient (the GPU-side rates are
 * the catalog's; nothing here is fitted to these figures).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as M from '../../dist/model/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** [tokens, µs per layer] as published. */
const MIXTRAL_TP2_H100 = [[1, 144.03], [2, 229.28], [4, 351.1], [8, 434.98], [16, 471.49], [24, 478.27], [32, 487.35], [48, 487.85], [64, 483.14], [96, 494.42], [128, 491.39], [256, 536.77], [512, 662.33], [1024, 833.72], [1536, 1122.93]];

const ctx = { model: M.getModel('mistralai/mixtral-8x7b-v0.1'), hardware: M.getHardware('H100'), tp: 2 };
const basis = M.rooflineBasis(ctx);
const out = new Float64Array(M.ROOFLINE_BASIS.length);
const moe = M.ROOFLINE_BASIS.indexOf('moe_us');
const shipped = JSON.parse(readFileSync(join(here, '..', '..', 'src', 'model', 'coefficients', 'default.json'), 'utf8'));
const coeffs = shipped.entries.find((e) => Object.keys(e.match).length === 0).coefficients;
const floorUs = M.ROOFLINE_DEFAULTS.kernelFloorUs * coeffs.kernels_us;
const MOE_KERNELS = 7;

console.log(`Mixtral-8x7B TP 2 on H100, one MoE layer (µs); kernel floor ${floorUs.toFixed(2)} µs × ${MOE_KERNELS}`);
console.log('tokens  measured    blis   error');
for (const [tokens, measured] of MIXTRAL_TP2_H100) {
  const shape = { size: 1, newTokens: Int32Array.of(tokens), contextTokens: Int32Array.of(0), isPrefill: Uint8Array.of(1), totalNewTokens: tokens, numPrefill: 1 };
  basis(shape, out);
  const blis = (coeffs.moe_us * out[moe]) / ctx.model.moeLayers + MOE_KERNELS * floorUs;
  console.log(`${String(tokens).padStart(6)} ${measured.toFixed(1).padStart(9)} ${blis.toFixed(1).padStart(7)} ${(((blis - measured) / measured) * 100).toFixed(1).padStart(6)} %`);
}
