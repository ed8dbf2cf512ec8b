#!/usr/bin/env node
/**
 * blis beside the Go BLIS's default step-time model, and both beside the physical floors
 * (docs/external-checks.md, "Side by side with the Go BLIS"). Usage, after `npm ci`:
 *
 *   node scripts/external-checks/go-blis.mjs                   blis and the floors
 *   node scripts/external-checks/go-blis.mjs --blis DIR/blis   and a built Go BLIS (run in DIR)
 *
 * Traffic: no shared prefix, one instance, each simulator's vLLM defaults otherwise, closed loops
 * (blis `--max-concurrency`, BLIS `--concurrency`): 1 client sending 12 requests of exactly
 * 1,024 prompt and 256 answer tokens; and 32 clients sending 640 requests of 1,024 ± 256 and
 * 256 ± 64 tokens (normal, clipped at 256–2,048 and 64–512; the spread keeps the clients from
 * finishing in lockstep, as fixed lengths would). Printed: mean TTFT and mean ITL in ms (at one
 * client blis's median TTFT: a MoE model's first request there also compiles its kernels).
 *
 * The floors no serving engine can beat, from the catalog's datasheet figures (not its measured
 * rates):
 * - TTFT at 1 client: the prompt's GEMM FLOPs, 2 × (active parameters − the embedding) × 1,024
 *   tokens (the lm head runs on one token; attention's FLOPs are left out, so the floor is low),
 *   over TP × the GPU's dense tensor peak in the weights' GEMM format (fp8 on GPUs with fp8
 *   tensor cores for w8a8 models, else bf16);
 * - ITL at 1 client: the bytes one token's step must read, (active parameters − the embedding
 *   table, which is indexed, not read) × bytes per parameter, over TP × the datasheet HBM
 *   bandwidth (KV reads left out: low again).
 * A figure under its floor is marked `<floor`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as M from '../../dist/model/index.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const blisAt = process.argv.indexOf('--blis');
const goBlis = blisAt >= 0 ? resolve(process.argv[blisAt + 1]) : undefined;
const PROMPT = 1024;
const OUTPUT = 256;

/**
 * [model, TP, TP on the 48 GB L40S where the weights need more GPUs, --max-model-len where the
 * model's default leaves no KV room for one request].
 */
const MODELS = [
  ['meta-llama/llama-3.1-8b-instruct', 1, 1],
  ['qwen/qwen2.5-7b-instruct', 1, 1],
  ['qwen/qwen3-14b', 1, 1],
  ['meta-llama/llama-3.1-70b-instruct', 4, 4, 16384],
  ['mistralai/mixtral-8x7b-v0.1', 2, 4],
  ['qwen/qwen3-30b-a3b', 1, 2],
  ['redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic', 2, 4, 16384],
];
const GPUS = ['H100', 'A100-80', 'L40S'];

function floors(modelName, gpu, tp) {
  const m = M.getModel(modelName);
  const h = M.getHardware(gpu);
  const embedding = m.vocabSize * m.hiddenSize;
  const gemmParams = m.activeParams - (m.tieWordEmbeddings ? embedding : 2 * embedding);
  const peakTflops = m.activationQuant && h.fp8Tflops > 0 ? h.fp8Tflops : h.bf16Tflops;
  const ttftMs = (2 * gemmParams * PROMPT) / (tp * peakTflops * 1e12) * 1e3;
  const readBytes = (m.activeParams - embedding) * m.weightBytes;
  const itlMs = readBytes / (tp * h.hbmTBps * 1e12) * 1e3;
  return { ttftMs, itlMs };
}

/**
 * The two loads: [label, clients, requests, prompt and answer tokens as {mean, std, min, max}].
 * The same shapes in both simulators' terms (blis: a workload spec; BLIS: its token flags).
 */
const LOADS = [
  ['c=1', 1, 12, { mean: PROMPT, std: 0, min: PROMPT, max: PROMPT }, { mean: OUTPUT, std: 0, min: OUTPUT, max: OUTPUT }],
  ['c=32', 32, 640, { mean: PROMPT, std: 256, min: 256, max: 2048 }, { mean: OUTPUT, std: 64, min: 64, max: 512 }],
];

function specYaml(input, output) {
  const dist = (d) => (d.std === 0 ? `{dist: constant, value: ${d.mean}}` : `{dist: normal, mean: ${d.mean}, std: ${d.std}, min: ${d.min}, max: ${d.max}}`);
  return `clients:\n  - name: side-by-side\n    arrival: poisson\n    input: ${dist(input)}\n    output: ${dist(output)}\n    prefix: none\n    sessions: none\n`;
}

function runBlis(spec, model, gpu, tp, clients, requests, maxModelLen) {
  const argv = [join(root, 'bin', 'blis.js'), 'run', '--model', model, '--hardware', gpu, '--tp', String(tp),
    '--max-concurrency', String(clients), '--num-requests', String(requests), '--workload-spec', spec, '--output', 'json', '--quiet'];
  if (maxModelLen) argv.push('--max-model-len', String(maxModelLen));
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) return { error: r.stderr.trim().split('\n').pop() };
  const j = JSON.parse(r.stdout);
  // One client: the median, since a MoE model's first request also pays the fused-MoE kernels'
  // Triton compilation where vLLM ships no tuned config (src/model/moe-jit.ts); the rest are equal.
  return { ttftMs: clients === 1 ? j.ttft_ms.p50 : j.ttft_ms.mean, itlMs: j.itl_ms.mean };
}

function runGo(model, gpu, tp, clients, requests, input, output) {
  const tokens = (flag, d) => [`--${flag}-tokens`, d.mean, `--${flag}-tokens-stdev`, d.std, `--${flag}-tokens-min`, d.min, `--${flag}-tokens-max`, d.max];
  const argv = ['run', '--model', model, '--hardware', gpu, '--tp', tp, '--concurrency', clients, '--num-requests', requests,
    ...tokens('prompt', input), ...tokens('output', output), '--log', 'fatal'].map(String);
  const r = spawnSync(goBlis, argv, { cwd: dirname(goBlis), encoding: 'utf8', maxBuffer: 1 << 26 });
  const text = r.stdout ?? '';
  const start = text.indexOf('{', text.indexOf('=== Simulation Metrics ==='));
  if (r.status !== 0 || start < 0) return { error: (r.stderr || text).trim().split('\n').pop() };
  const j = JSON.parse(text.slice(start, text.indexOf('\n}', start) + 2));
  return { ttftMs: j.ttft_mean_ms, itlMs: j.itl_mean_ms };
}

const fmt = (v, floor) => (v === undefined ? '–' : `${v.toFixed(1)}${floor !== undefined && v < floor ? ' <floor' : ''}`);
const dir = mkdtempSync(join(tmpdir(), 'blis-go-'));
try {
  console.log('one instance; mean TTFT / mean ITL, ms; floors at one client (see the header)');
  console.log(['model', 'GPU', 'TP', 'floor TTFT', 'floor ITL', ...LOADS.flatMap(([label]) => (goBlis ? [`${label} blis`, `${label} BLIS`] : [`${label} blis`]))].join(' | '));
  const specs = LOADS.map(([label, , , input, output], i) => {
    const file = join(dir, `load-${i}.yaml`);
    writeFileSync(file, specYaml(input, output));
    return file;
  });
  const cell = (r, f) => (r.error ? `error: ${r.error.slice(0, 60)}` : `${fmt(r.ttftMs, f?.ttftMs)} / ${fmt(r.itlMs, f?.itlMs)}`);
  for (const gpu of GPUS) {
    for (const [model, tpOther, tpL40s, maxModelLen] of MODELS) {
      const tp = gpu === 'L40S' ? tpL40s : tpOther;
      const f = floors(model, gpu, tp);
      const cells = [model, gpu, tp, f.ttftMs.toFixed(1), f.itlMs.toFixed(1)];
      LOADS.forEach(([, clients, requests, input, output], i) => {
        const floor = clients === 1 ? f : undefined;
        cells.push(cell(runBlis(specs[i], model, gpu, tp, clients, requests, maxModelLen), floor));
        if (goBlis) cells.push(cell(runGo(model, gpu, tp, clients, requests, input, output), floor));
      });
      console.log(cells.join(' | '));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
