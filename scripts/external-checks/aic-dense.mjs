#!/usr/bin/env node
/**
 * blis's raw dense GEMM and attention costs beside vLLM 0.14's own per-operator timings on H100
 * SXM, A100 SXM4 80GB and L40S (docs/external-checks.md, "Per-operator timings on three GPUs").
 * Usage, after `npm ci && npm run build`, with pyarrow importable by $PYTHON (default python3),
 * e.g. `python3 -m venv /tmp/v && /tmp/v/bin/pip install pyarrow`:
 *
 *   PYTHON=/tmp/v/bin/python node scripts/external-checks/aic-dense.mjs [--mirror DIR] [--json FILE] [--fixture FILE]
 *
 * --fixture writes the rows the tests recompute the A100-80's gemmBandwidthRatio and gemmFloorRatio
 * from (test/fixtures/model/aiconfigurator-vllm-dense.json).
 *
 * The tables: ai-dynamo/aiconfigurator@095f58a51c4ca8e61b66ec108d86f223f8d559ce
 * aic-core/src/aiconfigurator_core/systems/data/{h100_sxm,a100_sxm,l40s}/{gemm,attention}/vllm/0.14.0/,
 * read from a bare mirror with `git show` (default /work/.mirror/ai-dynamo+aiconfigurator/repo,
 * `fetch github:ai-dynamo/aiconfigurator`). They were collected by the repository's collector as of
 * d1f7bf26b (2026-02-19; collector/vllm/collect_gemm.py, collect_attn.py, helper.py):
 *  - gemm_perf: vLLM's RowParallelLinear (no TP split, no bias) on an M×K bf16 input, N×K weights;
 *    bf16 is torch.nn.functional.linear (cuBLAS), fp8 is Fp8Config per-tensor weights with dynamic
 *    per-token activation quantisation (cutlass_scaled_mm on sm89/sm90; no fp8 rows on the A100).
 *    Six separate layers (six weight copies, so the weights are not L2-resident) run back to back,
 *    captured in one CUDA graph, 3 warm-up and 6 timed replays; latency is ms per layer.
 *  - generation_attention_perf: the attention backend vLLM picks for the GPU (FlashAttention:
 *    FA3 on sm90, FA2 on sm80/sm89) forward for `batch_size` decodes of one query token each,
 *    whose sequence is `step` tokens long (KV in a paged cache of 64-token blocks, randomised
 *    block order), num_heads query and num_key_value_heads KV heads of 128; fp16 (labelled
 *    bfloat16 since aiconfigurator#895); CUDA graph as above; ms per call (one layer).
 *  - context_attention_perf: the same backend on `batch_size` prompts of `isl` tokens with no
 *    cached prefix (causal).
 *
 * blis's side is its raw per-kernel cost, no fitted coefficient: the kernel floor (the roofline's
 * kernelFloorUs, × the GPU's gemmFloorRatio for a GEMM) plus the smooth roofline of the kernel's
 * bytes and FLOPs at the GPU's catalog rates (dist/model/gemm.js, with the rates rooflineShapes
 * builds for a catalog model on that GPU). A GEMM moves K·N weight bytes and M·(K+N) activation bytes and does 2·M·K·N FLOPs
 * (gemmShape); an attention call reads every request's KV (2·kvHeads·128·2 bytes a key) and
 * does 4·heads·128 FLOPs a (query, key) pair, causal in prefill, as roofline.ts costs it.
 *
 * The shipped coefficients were fitted on H100, so what transfers to another GPU is the ratio
 * measured / blis on that GPU over the same ratio on H100 ("relative departure"), shape by shape.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as M from '../../dist/model/index.js';
import { rooflineShapes } from '../../dist/model/roofline-shapes.js';
import { ROOFLINE_DEFAULTS } from '../../dist/model/roofline-params.js';
import { findModelQuantized } from '../../dist/model/catalog.js';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const MIRROR = flag('--mirror', '/work/.mirror/ai-dynamo+aiconfigurator/repo');
const JSON_OUT = flag('--json', undefined);
const FIXTURE_OUT = flag('--fixture', undefined);
const COMMIT = '095f58a51c4ca8e61b66ec108d86f223f8d559ce';
const PYTHON = process.env.PYTHON ?? 'python3';
const GPUS = [
  { aic: 'h100_sxm', blis: 'H100' },
  { aic: 'a100_sxm', blis: 'A100-80' },
  { aic: 'l40s', blis: 'L40S' },
];
const HEAD_DIM = 128;

/** Rows of one parquet table as arrays of the named columns (pyarrow reads it; the file comes from `git show`). */
function table(gpu, family, file, columns) {
  const path = `aic-core/src/aiconfigurator_core/systems/data/${gpu}/${family}/vllm/0.14.0/${file}`;
  const bytes = execFileSync('git', ['-C', MIRROR, 'show', `${COMMIT}:${path}`], { maxBuffer: 1 << 28 });
  const py = `import sys, io, json, pyarrow.parquet as pq
t = pq.read_table(io.BytesIO(sys.stdin.buffer.read()), columns=${JSON.stringify(columns)}).to_pydict()
json.dump([t[c] for c in ${JSON.stringify(columns)}], sys.stdout)`;
  const cols = JSON.parse(execFileSync(PYTHON, ['-c', py], { input: bytes, maxBuffer: 1 << 28 }).toString());
  return cols[0].map((_, i) => cols.map((c) => c[i]));
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** The rates blis costs a bf16 GEMM, an fp8 GEMM (where the GPU has fp8) and attention with on `gpu`. */
function ratesOf(gpu) {
  const hw = M.getHardware(gpu);
  const s = rooflineShapes(M.getModel('meta-llama/llama-3.1-8b-instruct'), hw, 1, ROOFLINE_DEFAULTS);
  const fp8Model = findModelQuantized('meta-llama/llama-3.1-8b-instruct', { quant_method: 'fp8', activation_scheme: 'dynamic' }, 'aic-dense.mjs');
  const s8 = rooflineShapes(fp8Model, hw, 1, ROOFLINE_DEFAULTS);
  return { bf16: s.layerGemms[2].rates, fp8: hw.fp8AchievedTflops > 0 ? s8.layerGemms[2].rates : null, attn: s.attnRates };
}
const FLOOR = ROOFLINE_DEFAULTS.kernelFloorUs;
/**
 * A GEMM's floor is the GPU's gemmFloorRatio × the kernel floor (the A100-80's 1.29, 1 elsewhere); an
 * fp8 row also runs the dynamic per-token activation quantisation kernel, which blis floors as a
 * separate kernel.
 */
const blisGemmUs = (gpu, rates, m, n, k, wBytes) => ((M.getHardware(gpu).gemmFloorRatio ?? 1) + (wBytes === 1 ? 1 : 0)) * FLOOR + M.gemmUs(M.gemmShape(k, n, wBytes, ROOFLINE_DEFAULTS.activationBytes, rates), m);
const kvBytesPerKey = (kvHeads) => 2 * kvHeads * HEAD_DIM * 2;
const flopsPerPair = (heads) => 4 * heads * HEAD_DIM;
const blisDecodeAttnUs = (rates, b, seq, heads, kvHeads) => FLOOR + M.smoothRooflineUs(b * seq * kvBytesPerKey(kvHeads), b * seq * flopsPerPair(heads), rates);
const blisPrefillAttnUs = (rates, b, isl, heads, kvHeads) => FLOOR + M.smoothRooflineUs(b * isl * kvBytesPerKey(kvHeads), (b * isl * (isl + 1)) / 2 * flopsPerPair(heads), rates);

/**
 * Projection shapes (N, K) of the catalog's dense models at TP 1, 2, 4 that lie on the table's grid
 * exactly (the grid steps 1024…16384; catalog widths such as 14336 fall between and are left out).
 */
const CATALOG_SHAPES = [
  ['Llama-3.1-8B TP 1 QKV', 6144, 4096], ['Llama-3.1-8B TP 1 o', 4096, 4096], ['Llama-3.1-8B TP 2 QKV', 3072, 4096], ['Llama-3.1-8B TP 2 o', 4096, 2048],
  ['Llama-3.1-70B TP 4 QKV', 2560, 8192], ['Llama-3.1-70B TP 4 o', 8192, 2048], ['Llama-3.1-70B TP 2 o', 8192, 4096], ['Llama-3.1-70B TP 2 QKV', 5120, 8192],
  ['Qwen3-14B TP 1 o', 5120, 5120], ['Qwen3-14B TP 2 QKV', 3584, 5120], ['Qwen3-14B TP 2 o', 5120, 2560], ['Qwen3-14B TP 1 QKV', 7168, 5120],
  ['Qwen3-32B TP 2 o', 5120, 4096], ['Qwen3-32B TP 4 QKV', 2560, 5120], ['Qwen3-32B TP 4 o', 5120, 2048],
];

const M_BANDS = [[1, 8, 'M 1-8 (weight read)'], [16, 64, 'M 16-64'], [80, 256, 'M 80-256'], [384, 1024, 'M 384-1024'], [2048, 8192, 'M 2048-8192 (compute)']];
const inProjectionRange = (n, k) => n >= 1024 && n <= 16384 && k >= 1024 && k <= 16384;
/**
 * Six weight copies of 32 MB and more (192 MB) outrun every L2 here (H100 50 MB, A100 40 MB, L40S
 * 96 MB), so these rows stream their weights from DRAM on every replay, as a model's layers do.
 * Smaller shapes are partly L2-resident across the collector's replays, most on the L40S.
 */
const l2Free = (n, k) => inProjectionRange(n, k) && n * k * 2 >= 32e6;

const out = { source: `ai-dynamo/aiconfigurator@${COMMIT}`, gemm: {}, catalogGemm: {}, decode: {}, prefill: {} };

// --- GEMMs ---
const gemmRows = {};
const rates = {};
for (const g of GPUS) {
  rates[g.blis] = ratesOf(g.blis);
  gemmRows[g.blis] = new Map();
  for (const [dtype, m, n, k, ms] of table(g.aic, 'gemm', 'gemm_perf.parquet', ['gemm_dtype', 'm', 'n', 'k', 'latency'])) {
    if (dtype !== 'bfloat16' && dtype !== 'fp8') continue;
    gemmRows[g.blis].set(`${dtype}/${m}/${n}/${k}`, ms * 1000);
  }
}
/** measured / blis for every row of `gpu` matching `pick`, keyed like the table. */
function gemmRatios(gpu, dtype, pick) {
  const r = rates[gpu][dtype === 'fp8' ? 'fp8' : 'bf16'];
  const res = new Map();
  if (r === null) return res;
  for (const [key, us] of gemmRows[gpu]) {
    const [d, m, n, k] = key.split('/');
    if (d !== dtype || !pick(+m, +n, +k)) continue;
    res.set(`${m}/${n}/${k}`, us / blisGemmUs(gpu, r, +m, +n, +k, dtype === 'fp8' ? 1 : 2));
  }
  return res;
}
/** Per band: median measured/blis on each GPU, and the median over shapes of (GPU's ratio / H100's) at the same shape. */
function gemmBands(dtype, pickShape) {
  const rows = [];
  for (const [lo, hi, label] of M_BANDS) {
    const pick = (m, n, k) => m >= lo && m <= hi && pickShape(n, k);
    const h = gemmRatios('H100', dtype, pick);
    const row = { band: label, H100: { n: h.size, ratio: median([...h.values()]) } };
    for (const gpu of ['A100-80', 'L40S']) {
      const x = gemmRatios(gpu, dtype, pick);
      const rel = [...x].filter(([key]) => h.has(key)).map(([key, v]) => v / h.get(key));
      row[gpu] = { n: x.size, ratio: median([...x.values()]), relative: median(rel), relP10: quantile(rel, 0.1), relP90: quantile(rel, 0.9) };
    }
    rows.push(row);
  }
  return rows;
}
function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
function printBands(title, rows) {
  console.log(`\n${title}`);
  console.log('  band                       H100 meas/blis (n)   A100 meas/blis  rel. to H100 [p10-p90]   L40S meas/blis  rel. to H100 [p10-p90]');
  for (const r of rows) {
    const cell = (g) => (r[g].n ? `${f(r[g].ratio).padStart(6)}       ${f(r[g].relative).padStart(5)} [${f(r[g].relP10)}-${f(r[g].relP90)}]` : '     –              –          ');
    console.log(`  ${r.band.padEnd(26)} ${f(r.H100.ratio).padStart(6)} (${String(r.H100.n).padStart(4)})     ${cell('A100-80')}   ${cell('L40S')}`);
  }
}
out.gemm.bf16 = gemmBands('bfloat16', inProjectionRange);
out.gemm.fp8 = gemmBands('fp8', inProjectionRange);
printBands('GEMM bf16, N and K 1024-16384 (measured / blis raw: floor + smooth roofline)', out.gemm.bf16);
printBands('GEMM fp8 per-tensor w8a8 (plus its activation-quantisation kernel), N and K 1024-16384 (no fp8 on the A100)', out.gemm.fp8);
out.gemm.bf16L2Free = gemmBands('bfloat16', l2Free);
printBands('GEMM bf16, bf16 weights of 32 MB and more (L2-free)', out.gemm.bf16L2Free);

/**
 * The weight-streaming rate of a decode GEMM: the least-squares slope of latency on weight bytes over
 * the M = 1 bf16 rows with 64 MB and more of weights (N and K up to 16384), against the catalog's
 * hbmAchievedTBps. test/model/gemm-bandwidth.test.ts recomputes it from the same rows.
 */
function weightStream(gpu, minBytes = 64e6) {
  const pts = [];
  for (const [key, us] of gemmRows[gpu]) {
    const [d, m, n, k] = key.split('/');
    if (d === 'bfloat16' && +m === 1 && inProjectionRange(+n, +k) && +n * +k * 2 >= minBytes) pts.push([+n * +k * 2, us]);
  }
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const slope = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return { rows: pts.length, tbps: 1 / slope / 1e6, interceptUs: my - slope * mx, catalogTBps: M.getHardware(gpu).hbmAchievedTBps };
}
out.weightStream = {};
console.log('\nDecode GEMM weight streaming (M = 1, bf16, weights >= 64 MB): least-squares latency = intercept + bytes / rate');
for (const g of GPUS) {
  const w = (out.weightStream[g.blis] = weightStream(g.blis));
  const h = out.weightStream.H100;
  console.log(`  ${g.blis.padEnd(8)} ${w.rows} rows: ${f(w.tbps, 3)} TB/s (catalog hbmAchievedTBps ${w.catalogTBps}), intercept ${f(w.interceptUs, 1)} µs; rate relative to H100 ${f(w.tbps / h.tbps, 3)} (catalog ${f(w.catalogTBps / h.catalogTBps, 3)})`);
}

/**
 * A dense GEMM's fixed cost per call: the intercept of the same fit over the M = 1 rows with 32 MB
 * and more of weights (six copies outrun every L2 but the L40S's), against H100's (the A100-80's
 * gemmFloorRatio; test/model/gemm-floor.test.ts recomputes it), and the near-empty GEMMs (M 1-8,
 * N and K 32-128: a graph replay's launch gap and a kernel's prologue, nearly no work).
 */
out.gemmFloor = {};
console.log('\nDense GEMM fixed cost: intercept of latency = intercept + bytes / rate, M = 1, bf16 weights >= 32 MB; near-empty GEMMs (M 1-8, N and K 32-128)');
for (const g of GPUS) {
  const w = weightStream(g.blis, 32e6);
  const tiny = [...gemmRows[g.blis]].filter(([key]) => {
    const [d, m, n, k] = key.split('/');
    return d === 'bfloat16' && +m <= 8 && +n >= 32 && +n <= 128 && +k >= 32 && +k <= 128;
  }).map(([, us]) => us);
  out.gemmFloor[g.blis] = { rows: w.rows, interceptUs: w.interceptUs, tbps: w.tbps, nearEmptyMedianUs: median(tiny) };
  const h = out.gemmFloor.H100;
  console.log(`  ${g.blis.padEnd(8)} ${w.rows} rows: intercept ${f(w.interceptUs)} µs (${f(w.interceptUs / h.interceptUs, 3)} × H100's; catalog gemmFloorRatio ${M.getHardware(g.blis).gemmFloorRatio ?? 1}), ${f(w.tbps, 3)} TB/s; near-empty GEMMs ${f(median(tiny))} µs median (${f(median(tiny) / h.nearEmptyMedianUs, 3)} × H100's)`);
}

// The catalog's exact projection shapes, at decode batch sizes and a 2,048-token prefill.
console.log('\nCatalog projection shapes on the grid: µs measured (blis raw), bf16');
console.log('  shape                        N×K          M   H100            A100-80          L40S            A100/H100 meas (blis)  L40S/H100 meas (blis)');
out.catalogGemm = [];
for (const [label, n, k] of CATALOG_SHAPES) {
  for (const m of [1, 8, 32, 96, 2048]) {
    const cells = {};
    for (const gpu of ['H100', 'A100-80', 'L40S']) cells[gpu] = { measuredUs: gemmRows[gpu].get(`bfloat16/${m}/${n}/${k}`), blisUs: blisGemmUs(gpu, rates[gpu].bf16, m, n, k, 2) };
    out.catalogGemm.push({ shape: label, n, k, m, ...cells });
    const c = (g) => `${f(cells[g].measuredUs, 1).padStart(6)} (${f(cells[g].blisUs, 1).padStart(6)})`;
    const rr = (g) => `${f(cells[g].measuredUs / cells.H100.measuredUs).padStart(5)} (${f(cells[g].blisUs / cells.H100.blisUs)})`;
    console.log(`  ${label.padEnd(28)} ${`${n}×${k}`.padEnd(11)} ${String(m).padStart(4)}  ${c('H100')}  ${c('A100-80')}  ${c('L40S')}   ${rr('A100-80')}           ${rr('L40S')}`);
  }
}

// --- Attention ---
const attnRows = {};
for (const g of GPUS) {
  attnRows[g.blis] = { decode: new Map(), prefill: new Map() };
  for (const [b, step, h, kvh, kvd, ms] of table(g.aic, 'attention', 'generation_attention_perf.parquet', ['batch_size', 'step', 'num_heads', 'num_key_value_heads', 'kv_cache_dtype', 'latency'])) {
    if (kvd === 'bfloat16' && h >= kvh) attnRows[g.blis].decode.set(`${b}/${step}/${h}/${kvh}`, ms * 1000);
  }
  for (const [b, isl, h, kvh, kvd, ms] of table(g.aic, 'attention', 'context_attention_perf.parquet', ['batch_size', 'isl', 'num_heads', 'num_key_value_heads', 'kv_cache_dtype', 'latency'])) {
    if (kvd === 'bfloat16' && h >= kvh) attnRows[g.blis].prefill.set(`${b}/${isl}/${h}/${kvh}`, ms * 1000);
  }
}
/** Per band of the KV bytes an attention call reads: median measured/blis per GPU and relative to H100 at the same row. */
function attnBands(kind, bands, bandOf, blisOf) {
  const rows = [];
  for (const band of bands) {
    const ratios = {};
    for (const gpu of ['H100', 'A100-80', 'L40S']) {
      ratios[gpu] = new Map();
      for (const [key, us] of attnRows[gpu][kind]) {
        const [b, s, h, kvh] = key.split('/').map(Number);
        if (bandOf(b, s, h, kvh) !== band) continue;
        ratios[gpu].set(key, us / blisOf(rates[gpu].attn, b, s, h, kvh));
      }
    }
    const row = { band, H100: { n: ratios.H100.size, ratio: median([...ratios.H100.values()]) } };
    for (const gpu of ['A100-80', 'L40S']) {
      const rel = [...ratios[gpu]].filter(([key]) => ratios.H100.has(key)).map(([key, v]) => v / ratios.H100.get(key));
      row[gpu] = { n: ratios[gpu].size, ratio: median([...ratios[gpu].values()]), relative: median(rel), relP10: quantile(rel, 0.1), relP90: quantile(rel, 0.9) };
    }
    rows.push(row);
  }
  return rows;
}
const MB = 1e6;
const decodeBand = (b, s, h, kvh) => {
  const bytes = b * s * kvBytesPerKey(kvh);
  return bytes < 1 * MB ? 'KV read < 1 MB' : bytes < 16 * MB ? 'KV read 1-16 MB' : bytes < 256 * MB ? 'KV read 16-256 MB' : 'KV read >= 256 MB';
};
out.decode = attnBands('decode', ['KV read < 1 MB', 'KV read 1-16 MB', 'KV read 16-256 MB', 'KV read >= 256 MB'], decodeBand, blisDecodeAttnUs);
printBands('Decode attention, bf16 KV, head dim 128 (bands by the KV bytes one call reads)', out.decode.map((r) => ({ ...r, band: r.band })));
for (const q of [1, 2, 4, 8]) {
  const rows = attnBands('decode', ['KV read 16-256 MB', 'KV read >= 256 MB'], (b, s, h, kvh) => (h / kvh === q ? decodeBand(b, s, h, kvh) : ''), blisDecodeAttnUs);
  out.decode.push(...rows.map((r) => ({ ...r, band: `${r.band}, ${q} query heads per KV head` })));
  printBands(`  … of which ${q} query heads per KV head`, rows);
}
const prefillBand = (b, isl) => (isl <= 256 ? 'isl <= 256' : isl <= 2048 ? 'isl 512-2048' : 'isl 3072-16384');
out.prefill = attnBands('prefill', ['isl <= 256', 'isl 512-2048', 'isl 3072-16384'], (b, isl, h, kvh) => (b * isl >= 256 ? prefillBand(b, isl) : ''), blisPrefillAttnUs);
printBands('Prefill attention (causal, no cached prefix), bf16, batch × isl >= 256 tokens', out.prefill);

if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 1)}\n`);

if (FIXTURE_OUT) {
  const us = (x) => Math.round(x * 1e4) / 1e4;
  const order = (a, b) => { for (let i = 1; i < a.length - 1; i++) if (a[i] !== b[i]) return a[i] - b[i]; return 0; };
  const rowsOf = (pick, cols) => GPUS.flatMap((g) => [...gemmRows[g.blis]].map(([key, v]) => [key.split('/'), v]).filter(([[d, m, n, k]]) => d === 'bfloat16' && pick(+m, +n, +k)).map(([[, m, n, k], v]) => [g.aic, ...cols(+m, +n, +k), us(v)]).sort(order));
  const fixture = {
    _about: `vLLM 0.14 per-operator timings from ai-dynamo/aiconfigurator@${COMMIT} aic-core/src/aiconfigurator_core/systems/data/{SYSTEM}/{gemm,attention}/vllm/0.14.0/ (latency column, ms x 1000 = us, rounded to 4 decimals), each a CUDA-graph replay average (collector as of d1f7bf26b: collector/vllm/collect_gemm.py, collect_attn.py), written by scripts/external-checks/aic-dense.mjs --fixture. gemm: gemm_perf.parquet rows with gemm_dtype bfloat16 (fp16 data), m = 1, N and K 1024-16384 and N x K x 2 bytes >= 32 MB: vLLM's RowParallelLinear (torch.nn.functional.linear, cuBLAS), six weight copies run back to back, us per layer. gemmSmall: the same table's rows with m 1-8 and N and K 32-128 (near-empty GEMMs). decodeAttention: generation_attention_perf.parquet rows with bf16 KV, num_heads >= num_key_value_heads and batch x step x 2 x kv heads x 128 x 2 bytes >= 256 MB: vLLM's FlashAttention backend (FA3 on H100, FA2 on A100) for batch decodes whose sequences are step tokens long, head dim 128, us per call. Devices: h100_sxm NVIDIA H100 80GB HBM3; a100_sxm NVIDIA A100-SXM4-80GB; l40s NVIDIA L40S`,
    gemmColumns: ['system', 'n', 'k', 'us'],
    gemm: rowsOf((m, n, k) => m === 1 && inProjectionRange(n, k) && n * k * 2 >= 32e6, (m, n, k) => [n, k]),
    gemmSmallColumns: ['system', 'm', 'n', 'k', 'us'],
    gemmSmall: rowsOf((m, n, k) => m <= 8 && n >= 32 && n <= 128 && k >= 32 && k <= 128, (m, n, k) => [m, n, k]),
    decodeAttentionColumns: ['system', 'batch', 'seqLen', 'heads', 'kvHeads', 'us'],
    decodeAttention: GPUS.filter((g) => g.blis !== 'L40S').flatMap((g) => [...attnRows[g.blis].decode].map(([key, v]) => [g.aic, ...key.split('/').map(Number), us(v)]).filter((r) => r[1] * r[2] * kvBytesPerKey(r[4]) >= 256 * MB).sort(order)),
  };
  const lines = Object.entries(fixture).map(([key, v]) => (Array.isArray(v) && Array.isArray(v[0]) ? ` ${JSON.stringify(key)}: [\n${v.map((r) => `  ${JSON.stringify(r).replace(/,/g, ', ')}`).join(',\n')}\n ]` : ` ${JSON.stringify(key)}: ${JSON.stringify(v).replace(/","/g, '", "')}`));
  writeFileSync(FIXTURE_OUT, `{\n${lines.join(',\n')}\n}\n`);
}
