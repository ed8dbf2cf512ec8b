#!/usr/bin/env node
/**
 * blis's fused-MoE term per GPU against vLLM 0.14's own fused_experts timings on H100, H200, A100
 * and L40S (ai-dynamo/aiconfigurator's moe_perf tables; docs/external-checks.md, "Fused MoE per
 * GPU"), and B200 beside H100 on vLLM 0.19. Usage, after `npm run build`:
 *
 *   node scripts/external-checks/aic-moe.mjs [--rows]
 *
 * The rows are test/fixtures/model/aiconfigurator-vllm-moe.json, extracted from the published
 * parquet files by scripts/external-checks/aic-moe-rows.py (which says what each row times: the
 * Triton fused_moe path without the router, in a CUDA graph). blis's side is the roofline basis's
 * raw `moe_us` (the two expert GEMMs: the distinct experts' weights and the padded tokens'
 * FLOPs, at the GPU's catalog rates) for a step of that many tokens, divided by the MoE layers,
 * plus the raw floors of the five kernels a row times (align, w13, activation, w2, top-k sum;
 * seven with fp8's two activation quantisations), the small ones at the GPU's small-kernel floor
 * ratio. No fitted coefficient enters (moe_us is 1 in the shipped file; the floors are taken raw).
 *
 * Printed per shape, dtype, routing and GPU: the median over TP 1-8 of measured / blis in three
 * regimes (1-128 tokens: the experts' weight read; 256-768; 1,024-16,384: the grouped GEMM's
 * FLOPs), and for each non-H100 GPU the median of the per-row ratio of that to H100's at the same
 * vLLM release, shape, TP and token count: the relative departure a per-GPU parameter would have to carry.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as M from '../../dist/model/index.js';
import { findModelQuantized } from '../../dist/model/catalog.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'model', 'aiconfigurator-vllm-moe.json'), 'utf8'));
const GPU = { h100_sxm: 'H100', h200_sxm: 'H200', a100_sxm: 'A100-80', l40s: 'L40S', b200_sxm: 'B200' };
/** Each GPU's table and the H100 table of the same vLLM release it is set against. */
const TABLES = [['h100_sxm', '0.14.0'], ['h200_sxm', '0.14.0'], ['a100_sxm', '0.14.0'], ['l40s', '0.14.0'], ['h100_sxm', '0.19.0'], ['b200_sxm', '0.19.0']];
const FP8_PER_TENSOR = { quant_method: 'fp8', activation_scheme: 'static' };
const REGIMES = [['1-128', 1, 128], ['256-768', 256, 768], ['>=1k', 1024, 16384]];
const showRows = process.argv.includes('--rows');

const models = new Map();
const modelOf = (name, dtype) => {
  const key = `${name}/${dtype}`;
  if (!models.has(key)) models.set(key, dtype === 'fp8' ? findModelQuantized(name, FP8_PER_TENSOR, 'aic-moe.mjs') : M.getModel(name));
  return models.get(key);
};
const MOE = M.ROOFLINE_BASIS.indexOf('moe_us');
const out = new Float64Array(M.ROOFLINE_BASIS.length);
const bases = new Map();

/** blis's raw µs for one MoE layer's fused_experts at `tokens` tokens. */
export function blisMoeLayerUs(name, dtype, gpu, tp, tokens) {
  const model = modelOf(name, dtype);
  const hw = M.getHardware(gpu);
  const key = `${name}/${dtype}/${gpu}/${tp}`;
  if (!bases.has(key)) bases.set(key, M.rooflineBasis({ model, hardware: hw, tp }));
  const shape = { size: 1, newTokens: Int32Array.of(tokens), contextTokens: Int32Array.of(0), isPrefill: Uint8Array.of(1), totalNewTokens: tokens, numPrefill: 1 };
  bases.get(key)(shape, out);
  const small = dtype === 'fp8' ? 5 : 3; // align, activation, top-k sum (+ two fp8 activation quantisations)
  return out[MOE] / model.moeLayers + (2 + small * (hw.smallKernelFloorRatio ?? 1)) * M.ROOFLINE_DEFAULTS.kernelFloorUs;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ratio[system][model/dtype/dist/tp/tokens] = measured / blis
const ratio = {};
for (const [system, vllm, name, dtype, dist, tp, tokens, us] of fixture.rows) {
  if (tokens > 16384) continue;
  const blis = blisMoeLayerUs(name, dtype, GPU[system], tp, tokens);
  (ratio[`${system}@${vllm}`] ??= new Map()).set(`${name}|${dtype}|${dist}|${tp}|${tokens}`, us / blis);
  if (showRows) console.log([system, vllm, name, dtype, dist, tp, tokens, us, blis.toFixed(2), (us / blis).toFixed(3)].join('\t'));
}
const f2 = (x) => (Number.isNaN(x) ? '   -' : x.toFixed(2).padStart(5));
const inRegime = (key, [, lo, hi]) => { const t = Number(key.split('|')[4]); return t >= lo && t <= hi; };
const pick = (system, pred) => [...(ratio[system] ?? new Map())].filter(([k]) => pred(k));

console.log('measured / blis raw (median over TP 1-8), and per-row relative to H100 at the same shape, TP and tokens');
console.log(`${'shape'.padEnd(30)} ${'dtype'.padEnd(8)} ${'routing'.padEnd(14)} ${'GPU, vLLM'.padEnd(15)} ${REGIMES.map(([r]) => `m/b ${r}`.padStart(12)).join(' ')} ${REGIMES.map(([r]) => `vsH100 ${r}`.padStart(15)).join(' ')}`);
const summary = {};
for (const name of [...new Set(fixture.rows.map((r) => r[2]))]) {
  for (const dtype of ['bfloat16', 'fp8']) {
    for (const dist of ['balanced', 'power_law_1.01']) {
      for (const [system, vllm] of TABLES) {
        const table = `${system}@${vllm}`;
        const rows = pick(table, (k) => k.startsWith(`${name}|${dtype}|${dist}|`));
        if (rows.length === 0) continue;
        const h100 = ratio[`h100_sxm@${vllm}`];
        const abs = REGIMES.map((rg) => median(rows.filter(([k]) => inRegime(k, rg)).map(([, v]) => v)));
        const rel = REGIMES.map((rg) => {
          const xs = rows.filter(([k]) => inRegime(k, rg) && h100.has(k)).map(([k, v]) => v / h100.get(k));
          if (system !== 'h100_sxm') ((summary[`${GPU[system]} (vLLM ${vllm}) ${dtype} ${dist}`] ??= REGIMES.map(() => []))[REGIMES.indexOf(rg)]).push(...xs);
          return system === 'h100_sxm' ? NaN : median(xs);
        });
        console.log(`${name.split('/')[1].padEnd(30)} ${dtype.padEnd(8)} ${dist.padEnd(14)} ${`${GPU[system]} ${vllm}`.padEnd(15)} ${abs.map((x) => f2(x).padStart(12)).join(' ')} ${rel.map((x) => f2(x).padStart(15)).join(' ')}`);
      }
    }
  }
}
console.log('\nrelative departure vs H100, median over the catalog shapes and TP 1-8 (per-row ratios):');
for (const [k, xs] of Object.entries(summary)) console.log(`  ${k.padEnd(44)} ${REGIMES.map(([r], i) => `${r} ${f2(median(xs[i]))} (n ${xs[i].length})`).join('   ')}`);

// The grouped GEMM's achieved rate at prefill sizes: the experts' FLOPs (T·k·6·hidden·I/TP) over
// the measured µs, median over 4,096-16,384 tokens, beside blis's catalog rate for that dtype.
console.log('\nexpert-GEMM TFLOP/s achieved, median over 4,096-16,384 tokens (power_law_1.01), by TP 1/2/4/8; blis\'s catalog rate:');
for (const name of [...new Set(fixture.rows.map((r) => r[2]))]) {
  const m = modelOf(name, 'bfloat16');
  for (const dtype of ['bfloat16', 'fp8']) {
    for (const [system, vllm] of TABLES) {
      const cells = [1, 2, 4, 8].map((tp) => {
        const xs = fixture.rows.filter((r) => r[0] === system && r[1] === vllm && r[2] === name && r[3] === dtype && r[4] === 'power_law_1.01' && r[5] === tp && r[6] >= 4096 && r[6] <= 16384)
          .map((r) => (r[6] * m.expertsPerToken * 6 * m.hiddenSize * m.moeIntermediateSize) / tp / r[7] / 1e6);
        return xs.length === 0 ? '-' : median(xs).toFixed(0);
      });
      if (cells.every((c) => c === '-')) continue;
      const hw = M.getHardware(GPU[system]);
      console.log(`  ${name.split('/')[1].padEnd(20)} ${dtype.padEnd(8)} ${`${GPU[system]} ${vllm}`.padEnd(15)} ${cells.map((c) => c.padStart(5)).join(' ')}   blis ${dtype === 'fp8' ? hw.fp8AchievedTflops : hw.bf16AchievedTflops}`);
    }
  }
}
