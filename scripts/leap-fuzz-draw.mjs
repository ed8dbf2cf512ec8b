// Configurations for scripts/leap-fuzz.mjs: draw(i) gives config i of the differential hunt (the
// argv of a `blis run` or `blis replay`, the files it names and its feature tags), from a generator
// seeded with i, so the same index is the same configuration on every machine.
import { join } from 'node:path';

/** mulberry32: a small seeded generator, so config i is the same draw on every machine. */
export function rngOf(seed) {
  let a = (seed * 2654435761 + 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = [
  // [flag args, weights GB (bf16 or as stored), tags]
  [['--model', 'meta-llama/llama-3.1-8b-instruct'], 16, ['dense']],
  [['--model', 'qwen/qwen3-14b'], 30, ['dense']],
  [['--model', 'qwen/qwen2.5-7b-instruct'], 15, ['dense']],
  [['--model', 'meta-llama/llama-2-7b-hf'], 14, ['dense', 'mha']],
  [['--model', 'qwen/qwen3-30b-a3b'], 61, ['moe']],
  [['--model', 'mistralai/mixtral-8x7b-v0.1'], 93, ['moe']],
  [['--model', 'deepseek-ai/deepseek-v2-lite'], 31, ['moe', 'mla']],
  [['--model', 'codellama/codellama-34b-instruct-hf'], 67, ['dense']],
  [['--model', 'redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic'], 110, ['moe', 'fp8w']],
  [['--model', 'meta-llama/llama-3.1-70b-instruct'], 141, ['dense']],
  [['--model-config', 'test/fixtures/model/gpt-oss-20b/config.json'], 14, ['moe', 'sliding']],
  [['--model-config', 'test/fixtures/model/gemma-2-9b-it/config.json'], 19, ['dense', 'sliding']],
  [['--model-config', 'test/fixtures/model/gemma-3-27b-it/config.json'], 55, ['dense', 'sliding']],
  [['--model-config', 'test/fixtures/model/qwen3-32b-fp8/config.json'], 33, ['dense', 'fp8w']],
  [['--model-config', 'test/fixtures/model/phi-3.5-mini-instruct/config.json'], 8, ['dense']],
  [['--model-config', 'test/fixtures/model/mistral-7b-instruct-v0.3/config.json'], 15, ['dense']],
];
const GPUS = [['H100', 80], ['H100', 80], ['A100-80', 80], ['A100-40', 40], ['L40S', 48], ['H200', 141], ['B200', 180]];
const PRESETS = ['chatbot', 'codegen', 'summarization', 'reasoning'];
const TRACES = [
  ['traces/azure2023-code.relative.head300.csv', []],
  ['traces/azure2023-conv.relative.head300.csv', []],
  ['traces/burstgpt1-rows0001-0200.csv', []],
  ['traces/mooncake-conversation-head300.jsonl', ['--max-model-len', '131072']],
  ['traces/mooncake-synthetic-head300.jsonl', ['--max-model-len', '131072']],
  ['traces/tracev2-example.trace_header.yaml', ['--allow-model-mismatch']],
];

/** Draws one configuration: the argv (without outputs), files to write beside it, feature tags. */
export function draw(i, here) {
  const r = rngOf(i + 1);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const p = (x) => r() < x;
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const argv = [];
  const files = {};
  const tags = new Set();
  const tag = (t) => tags.add(t);

  const replay = p(0.15);
  if (replay) {
    const [trace, extra] = pick(TRACES);
    argv.push('replay', join(here, trace), ...extra, '--limit', String(int(20, 200)), '--speedup', String(pick([1, 5, 20, 100])));
    tag(`replay:${trace.split('/')[1].split('.')[0]}`);
  } else argv.push('run');

  // Model and fleet: TP large enough for the weights most of the time (a refusal is still checked).
  const [modelArgs, weightsGb, modelTags] = pick(MODELS);
  argv.push(modelArgs[0], modelArgs[0] === '--model-config' ? join(here, modelArgs[1]) : modelArgs[1]);
  modelTags.forEach((t) => tag(`model:${t}`));
  tag(`model=${modelArgs[1].split('/').slice(-2).join('/')}`);
  const [gpu, memGb] = pick(GPUS);
  let tp = 1;
  while (tp < 8 && weightsGb / tp > memGb * 0.75) tp *= 2;
  if (p(0.15) && tp < 8) tp *= 2;
  argv.push('--hardware', gpu, '--tp', String(tp));
  tag(`gpu=${gpu}`);
  if (tp > 1) tag('tp>1');

  const pd = p(0.15);
  let numInstances = pick([1, 1, 1, 2, 3, 4, 6]);
  if (pd) {
    numInstances = Math.max(2, numInstances);
    const pre = int(1, numInstances - 1);
    argv.push('--num-instances', String(numInstances), '--prefill-instances', String(pre), '--decode-instances', String(numInstances - pre));
    argv.push('--pd-decider', pick(['always', 'always', 'prefix-threshold', 'never']));
    if (p(0.5)) argv.push('--pd-prefix-threshold', String(pick([16, 256, 2000])));
    if (p(0.5)) argv.push('--pd-transfer-bandwidth', String(pick([1, 10, 50, 400])));
    if (p(0.3)) argv.push('--pd-transfer-latency', String(pick([0, 1, 20])));
    tag('pd');
  } else if (numInstances > 1) argv.push('--num-instances', String(numInstances));
  if (numInstances > 1) tag('multi-instance');

  // Engine knobs.
  const smallKv = p(0.4);
  if (smallKv) {
    argv.push('--total-kv-blocks', String(pick([20, 40, 80, 150, 300, 600, 1200])));
    tag('small-kv');
  } else if (p(0.1)) {
    argv.push('--gpu-memory-utilization', String(pick([0.5, 0.7, 0.95])));
  }
  let maxModelLen = 0;
  if (p(0.25) && !replay) {
    maxModelLen = pick([512, 1024, 2048, 4096, 8192]);
    argv.push('--max-model-len', String(maxModelLen));
    tag('max-model-len');
  }
  const unchunked = p(0.12);
  // vLLM refuses a budget below max_model_len without chunking; the derived one is raised to it.
  if (p(0.4) && !unchunked) argv.push('--max-num-batched-tokens', String(pick([32, 64, 256, 512, 2048, 8192])));
  if (p(0.4)) {
    argv.push('--max-num-seqs', String(pick([1, 2, 3, 8, 32, 128])));
    tag('max-num-seqs');
  }
  if (p(0.2)) {
    argv.push('--long-prefill-token-threshold', String(pick([16, 100, 512])));
    tag('long-prefill-threshold');
  }
  if (unchunked) {
    argv.push('--no-enable-chunked-prefill');
    tag('no-chunked-prefill');
  }
  if (p(0.2)) {
    argv.push('--no-enable-prefix-caching');
    tag('no-prefix-caching');
  }
  if (p(0.35)) {
    argv.push('--no-async-scheduling');
    tag('sync');
  }
  if (p(0.3)) {
    argv.push('--scheduler', 'priority');
    tag('priority');
  }
  if (p(0.15)) argv.push('--block-size', String(pick([1, 8, 32, 64, 128])));
  if (p(0.15)) {
    argv.push('--kv-cache-dtype', 'fp8');
    tag('fp8-kv');
  }
  if (p(0.2)) {
    argv.push('--kv-cpu-blocks', String(pick([10, 50, 200, 1000, 5000])));
    tag('cpu-tier');
  }
  if (modelTags.includes('sliding') && p(0.3)) {
    argv.push('--disable-hybrid-kv-cache-manager');
    tag('no-hybrid');
  }
  if (p(0.1)) argv.push('--warm-kernel-cache');
  if (p(0.25)) {
    const lm = pick(['roofline', 'linear']);
    argv.push('--latency-model', lm);
    tag(`latency=${lm}`);
  }
  if (p(0.1)) argv.push('--generation-config', 'vllm');

  // Gateway.
  if (numInstances > 1 || p(0.2)) {
    const policy = pick(['round-robin', 'least-loaded', 'random', 'weighted', 'weighted']);
    if (policy === 'weighted') {
      const scorers = ['prefix-affinity', 'precise-prefix-cache', 'queue-depth', 'kv-utilization', 'load-aware', 'active-requests'];
      const chosen = scorers.filter(() => p(0.4));
      if (chosen.length === 0) chosen.push(pick(scorers));
      argv.push('--routing-scorers', chosen.map((s) => `${s}:${pick([1, 2, 3, 0.5])}`).join(','));
      chosen.forEach((s) => tag(`scorer=${s}`));
    } else argv.push('--routing-policy', policy);
    tag(`routing=${policy}`);
    if (p(0.4)) argv.push('--snapshot-refresh-interval', String(pick([0, 10, 500])));
    if (p(0.2)) argv.push('--no-in-flight-tracking');
    if (p(0.3)) argv.push('--cache-signal-delay', String(pick([0, 50, 2000])));
  }
  if (p(0.2)) {
    argv.push('--client-timeout', String(pick([0.5, 2, 5, 20])));
    tag('timeout');
  }
  const admission = pick(['always-admit', 'always-admit', 'always-admit', 'token-bucket', 'saturation']);
  if (admission !== 'always-admit') {
    argv.push('--admission-policy', admission);
    tag(`admission=${admission}`);
    if (admission === 'token-bucket') argv.push('--token-bucket-rate', String(pick([1, 5, 20])));
    if (admission === 'saturation' && p(0.5)) argv.push('--queue-depth-threshold', String(pick([1, 3, 10])));
    if (admission === 'saturation' && p(0.4)) {
      argv.push('--flow-control');
      tag('flow-control');
      if (p(0.5)) argv.push('--request-ttl', String(pick([0.5, 3, 30])));
      if (p(0.5)) argv.push('--max-gateway-queue', String(pick([1, 5, 50])));
    }
  }
  if (p(0.1)) argv.push('--admission-latency', String(pick([0.5, 5])));
  if (p(0.1)) argv.push('--routing-latency', String(pick([0.5, 5])));

  // Workload.
  const rate = pick([0.5, 2, 5, 20, 50, 200, 1000]);
  const n = int(5, p(0.2) ? 600 : 150);
  if (!replay) {
    const kind = pick(['preset', 'preset', 'spec', 'spec', 'spec']);
    if (kind === 'preset') {
      const preset = pick(PRESETS);
      argv.push('--workload', preset);
      tag(`preset=${preset}`);
    } else {
      files['workload.yaml'] = specOf(r, pick, p, int, tag, modelArgs);
      argv.push('--workload-spec', 'workload.yaml');
      tag('spec');
    }
    if (p(0.15)) {
      argv.push('--max-concurrency', String(pick([1, 4, 16])));
      tag('max-concurrency');
      if (p(0.3)) argv.push('--num-requests', String(n));
      else argv.push('--rate', String(rate), '--num-requests', String(n));
    } else if (p(0.15)) {
      // At most a few thousand arrivals (1,000 req/s for 10 s of 5,000-token answers wrote 1.7 GB of spans).
      argv.push('--rate', String(rate), '--duration', String(Math.min(pick([1, 3, 10]), Math.max(1, Math.floor(3000 / rate)))));
      tag('duration');
    } else argv.push('--rate', String(rate), '--num-requests', String(n));
    if (p(0.2)) argv.push('--arrival', pick(['constant', 'gamma:cv=3', 'exact-count', 'poisson']));
  }
  tag(`rate=${rate}`);
  argv.push('--seed', String(int(0, 99)));

  // The autoscaler's pools name catalogued models (a --model-config model is refused there).
  if (!pd && !replay && modelArgs[0] === '--model' && p(0.12)) {
    files['autoscaler.yaml'] = autoscalerOf(pick, p, int, gpu, tp);
    argv.push('--autoscaler-config', 'autoscaler.yaml', '--timeline-out', 'timeline.csv');
    tag('autoscaler');
  }
  if (p(0.2)) argv.push('--slo', 'ttft_p99=200,tpot_p50=30');

  // Outputs.
  const reqOut = pick(['requests.csv', 'requests.jsonl']);
  const otlpOut = pick(['traces.json', 'traces.pb', 'traces.jsonl.gz', 'traces.json']);
  argv.push('--metrics-out', 'metrics.json', '--requests-out', reqOut, '--otlp-out', otlpOut);
  if (p(0.5)) argv.push('--trace-token-every', String(pick([1, 3, 50])));
  if (p(0.15)) argv.push('--trace-sample', '0.5');
  if (p(0.15)) argv.push('--trace-slowest', '5');
  if (p(0.15)) argv.push('--trace-instant-phases', 'span');
  argv.push('--output', 'json', '--quiet');
  // Drawn last, so the draws above stay those of earlier versions: one config in ten is long
  // (hundreds of requests in flight, long decode runs between events).
  if (!replay && p(0.1)) {
    const k = argv.indexOf('--num-requests');
    if (k >= 0) argv[k + 1] = String(int(800, 2500));
    const q = argv.indexOf('--rate');
    if (q >= 0) argv[q + 1] = String(pick([100, 400, 2000]));
    tag('long');
  }
  // Linear step times with a context term: decode runs sum the batch's context as it grows.
  if (!argv.includes('--latency-model') && p(0.1)) {
    files['linear.json'] = JSON.stringify({ alpha0Us: pick([1, 500, 5000]), alpha1UsPerPrefillToken: pick([0, 10]), alpha2UsPerDecodeToken: pick([0, 30]), alpha3UsPerContextToken: pick([0, 0.01, 0.5]) }) + '\n';
    argv.push('--latency-model', 'linear', '--latency-coefficients', 'linear.json');
    tag('latency=linear-custom');
  }
  if (replay && p(0.4)) {
    argv.push(...pick([['--rate-scale', '2'], ['--sample', '0.7'], ['--clip', 'input', '--max-model-len', '4096'], ['--compare']]));
    tag('replay-transform');
  }
  if (argv.includes('traces.pb') && p(0.3)) argv.push('--otlp-framing', 'u32be');
  return { argv, files, tags: [...tags] };
}

function distOf(pick, p, int, tiny) {
  if (tiny && p(0.4)) return String(pick([1, 1, 2]));
  switch (pick(['constant', 'uniform', 'lognormal', 'normal', 'exponential', 'empirical'])) {
    case 'constant': return String(pick([1, 16, 17, 100, 1000, 5000]));
    case 'uniform': { const lo = int(1, 200); return `{dist: uniform, min: ${lo}, max: ${lo + int(0, 3000)}}`; }
    case 'lognormal': return `{dist: lognormal, median: ${int(5, 800)}, sigma: ${pick([0.3, 1, 1.5])}, max: ${pick([2000, 16000])}}`;
    case 'normal': return `{dist: normal, mean: ${int(10, 600)}, std: ${int(1, 300)}, min: 1, max: 4000}`;
    case 'exponential': return `{dist: exponential, mean: ${int(5, 500)}}`;
    default: return `{dist: empirical, values: [1, 15, 16, 33, 512, 2049], weights: [3, 1, 1, 1, 2, 1]}`;
  }
}

function specOf(r, pick, p, int, tag, modelArgs) {
  const lines = [`seed: ${int(0, 50)}`, 'clients:'];
  const nClients = int(1, 3);
  for (let c = 0; c < nClients; c++) {
    lines.push(`  - name: c${c}`, `    rate_fraction: ${pick([0.2, 0.5, 1])}`);
    const preset = p(0.3);
    if (preset) lines.push(`    preset: ${pick(PRESETS)}`);
    lines.push(`    input: ${distOf(pick, p, int, false)}`);
    const tinyOut = p(0.3);
    if (tinyOut) tag('tiny-output');
    lines.push(`    output: ${distOf(pick, p, int, tinyOut)}`);
    const pr = pick(['none', 'groups', 'groups', 'cycled']);
    if (pr === 'none') lines.push('    prefix: none');
    else if (pr === 'groups') lines.push(`    prefix: {groups: ${int(1, 6)}, tokens: ${pick([15, 16, 64, 200, 2000])}, select: ${pick(['random', 'round-robin'])}}`);
    else lines.push(`    prefix: {groups: ${int(1, 3)}, tokens: ${pick([16, 100, 500])}, select: cycled, prompts_per_group: ${int(1, 5)}}`);
    if (pr !== 'none') tag(`prefix=${pr}`);
    if (pr === 'cycled' && preset) lines.push('    sessions: none'); // a preset's sessions and fixed prompts conflict
    if (pr !== 'cycled' && p(0.4)) {
      lines.push(`    sessions: {turns: {dist: uniform, min: 1, max: ${int(2, 6)}}, think_time_s: ${pick([0.1, 1, 5])}${p(0.3) ? ', start: empty' : ''}}`);
      tag('sessions');
    }
    if (p(0.5)) lines.push(`    priority: ${int(0, 3)}`);
    if (p(0.3)) lines.push(`    slo_class: ${pick(['interactive', 'batch'])}`);
  }
  if (p(0.25)) {
    lines.push('stages:');
    for (let s = int(1, 3); s > 0; s--) lines.push(`  - {scale: ${pick([0.5, 1, 3])}, duration_s: ${pick([1, 2, 5])}}`);
    tag('stages');
  }
  return lines.join('\n') + '\n';
}

function autoscalerOf(pick, p, int, gpu, tp) {
  return [
    `interval_s: ${pick([1, 2, 5])}`,
    `collector: {name: prometheus, scrape_interval_s: ${pick([1, 2])}, lag_s: ${pick([0, 1, 3])}, rate_window_s: ${pick([2, 10])}}`,
    `analyzer: {name: ${pick(['saturation', 'queueing'])}}`,
    `optimizer: ${pick(['priority-round-robin', 'priority-exhaustive'])}`,
    `actuator: {name: delayed, provision_s: ${pick([0, 1, 3])}, load_s: ${pick([0, 1])}, warmup_s: ${pick([0, 1])}}`,
    `stabilization: {scale_up_s: 0, scale_down_s: ${pick([0, 2, 30])}}`,
    `inventory:`,
    `  - {hardware: ${gpu}, count: ${8 * tp}, cost_per_gpu_hour: 2.0}`,
    '',
  ].join('\n');
}
