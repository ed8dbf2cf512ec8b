#!/usr/bin/env node
// Differential fuzzing of two speed hints through the library API (dist/, so `npm run build` first):
// - a session's final turn (PrefixRef.final, RequestLedger.aloneInGroup: its session blocks are
//   registered only if it is preempted): each config runs with the arrivals as generated and with
//   every `final` stripped; the metrics document and the request records must be byte-identical;
// - event leaping on the same config (--no-leap's contract, docs/engine.md), data-parallel ranks
//   stepping in lockstep (src/engine/lockstep.ts) included.
// Configs are drawn widely: the chatbot preset and session specs with short think times (a final
// turn arriving while an earlier turn runs), client timeouts, tiny KV pools (preemption), the CPU
// tier, prefix caching off, priority scheduling, several instances with prefix-affinity and
// precise-prefix routing, data-parallel MoE servers, a horizon.
//
//   npm run build && nice -n 10 node scripts/defer-fuzz.mjs [--start 0] [--count 500] [--only 17] [--dp]
//
// Config i is drawn from a generator seeded with i (`--only i` reruns one and prints it; `--dp`:
// every config a data-parallel MoE server, half of them with the CPU tier). Exit 1
// when any config differs.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rngOf } from './leap-fuzz-draw.mjs'; // mulberry32, seeded with the config index

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = async (p) => import(pathToFileURL(join(here, 'dist', p)).href);
const { resolveClusterConfig } = await lib('cluster/config.js');
const { simulate } = await lib('cluster/simulate.js');
const { topStepTimeContext } = await lib('cluster/moe-parallel-config.js');
const { CollectingSink } = await lib('cluster/sink.js');
const { ZERO_OVERHEADS } = await lib('engine/config.js');
const { Rng } = await lib('kernel/rng.js');
const { createStepTimeModel } = await lib('model/registry.js');
const { generateArrivals } = await lib('workload/generate.js');
const { resolveWorkload } = await lib('workload/resolve.js');
const { parseWorkloadSpec } = await lib('workload/spec.js');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

/** Config i: cluster options, workload, simulate extras. */
export function drawConfig(i, focusDp = false) {
  const r = rngOf(i + 1);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const p = (x) => r() < x;
  const dp = p(0.3) || focusDp;
  const numInstances = dp ? pick([2, 4]) : pick([1, 1, 2, 3, 4]);
  const routing = pick(numInstances > 1 ? ['round-robin', 'least-loaded', 'prefix', 'prefix', 'precise', 'precise'] : ['round-robin']);
  const o = {
    model: dp ? pick(['qwen/qwen3-30b-a3b', 'mistralai/mixtral-8x7b-v0.1']) : pick(['meta-llama/llama-3.1-8b-instruct', 'qwen/qwen2.5-7b-instruct']),
    hardware: 'H100',
    numInstances,
    ...(dp ? { dataParallelSize: 2, tp: 1 } : {}),
    asyncScheduling: p(0.6),
    totalKvBlocks: pick([40, 80, 150, 300, 600, 2000]),
    maxNumSeqs: pick([2, 8, 64, 256]),
    maxNumBatchedTokens: pick([256, 512, 2048, 8192]),
    ...(p(0.2) ? { longPrefillTokenThreshold: pick([64, 256]) } : {}),
    scheduler: p(0.3) ? 'priority' : 'fcfs',
    ...(p(focusDp ? 0.5 : 0.15) ? { kvCpuBlocks: pick([50, 400, 3000]) } : {}),
    ...(p(0.15) ? { enablePrefixCaching: false } : {}),
    ...(p(0.1) ? { blockSize: pick([1, 8, 32]) } : {}),
    routingPolicy: routing === 'prefix' || routing === 'precise' ? 'weighted' : routing,
    ...(routing === 'prefix' ? { routingScorers: pick(['prefix-affinity:2,queue-depth:1', 'prefix-affinity:1']) } : {}),
    ...(routing === 'precise' ? { routingScorers: pick(['precise-prefix-cache:2,kv-utilization:1', 'precise-prefix-cache:1']), cacheSignalDelayMs: pick([0, 50, 300]) } : {}),
    snapshotRefreshIntervalMs: pick([0, 0, 50]),
    clientTimeoutS: pick([0, 0, 0.3, 1, 3, 8]),
  };
  // On a grid: every step a whole number of milliseconds, arrivals and deadlines on whole
  // milliseconds, so deadlines, arrivals, step ends and a group's step start share instants.
  const grid = p(0.3);
  if (grid) {
    o.latencyModel = 'linear';
    o.latencyCoefficients = { alpha0Us: pick([1000, 2000]), alpha1UsPerPrefillToken: pick([0, 0, 1000]), alpha2UsPerDecodeToken: pick([0, 1000]), alpha3UsPerContextToken: 0 };
    o.clientTimeoutS = pick([0.005, 0.02, 0.1, 0.5, 1]);
  }
  if (dp && o.dataParallelSize && o.numInstances % 2 !== 0) o.numInstances = 2;
  const thinkS = pick([0, 0.01, 0.1, 0.5, 2]);
  const maxTurns = pick([2, 3, 5, 8]);
  const system = pick(['', 'prefix: null, ', 'prefix: {groups: 2, tokens: 200}, ']);
  const kind = pick(['preset', 'spec', 'spec']);
  const priority = o.scheduler === 'priority' && p(0.5);
  const specText = kind === 'preset'
    ? `clients:\n  - {preset: chatbot${p(0.5) ? `, sessions: {turns: {dist: uniform, min: 1, max: ${maxTurns}}, think_time_s: ${thinkS}}` : ''}}\n`
    : `clients:\n  - {name: a, rate_fraction: 1, ${system}input: {dist: uniform, min: 5, max: ${pick([60, 300, 1500])}}, output: {dist: uniform, min: 1, max: ${pick([5, 60, 400])}}, sessions: {turns: {dist: uniform, min: 1, max: ${maxTurns}}, think_time_s: ${thinkS}}${priority ? ', priority: 1' : ''}}\n` +
      (p(0.4) ? `  - {name: b, rate_fraction: 0.5, input: {dist: uniform, min: 5, max: 400}, output: {dist: uniform, min: 1, max: 100}, sessions: {turns: {dist: uniform, min: 1, max: 3}, think_time_s: ${pick([0, 0.05, 1])}}${priority ? ', priority: 0' : ''}}\n` : '');
  const w = { rate: pick([2, 8, 30, 100]), numRequests: 20 + Math.floor(r() * 140), seed: Math.floor(r() * 1000) };
  const horizon = p(0.15);
  const concurrency = p(0.15) ? { maxConcurrency: pick([1, 4, 16]), closedLoop: p(0.5) } : undefined;
  return { o, specText, w, horizon, concurrency, grid };
}

function stripFinal(arrivals) {
  const strip = (q) => (q === undefined ? undefined : { group: q.group, tokens: q.tokens, ...(q.exclusive !== undefined ? { exclusive: q.exclusive } : {}), ...(q.parent !== undefined ? { parent: strip(q.parent) } : {}) });
  return arrivals.map((a) => (a.prefix === undefined ? a : { ...a, prefix: strip(a.prefix) }));
}

async function runOnce(o, arrivals, leap, uniqueIds, horizonUs, concurrency) {
  const config = resolveClusterConfig(o);
  const stepTime = createStepTimeModel(config.stepTime, topStepTimeContext(config));
  const sink = new CollectingSink();
  const res = await simulate({
    config, arrivals, stepTime, overheads: stepTime.overheads ?? ZERO_OVERHEADS, sinks: [sink], leap, uniqueIds,
    ...(horizonUs > 0 ? { horizonUs } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  return { recs: sink.records, numInstances: config.numInstances, metrics: JSON.stringify(res.metrics), records: sink.records.map((x) => JSON.stringify(x)).join('\n'), m: res.metrics };
}

/** DESIGN.md §5 invariants (as test/invariants/data-parallel-invariants.test.ts checks them). */
function invariantBreaks(run, expectInjected) {
  const out = [];
  const m = run.m;
  const q = m.requests;
  if (expectInjected >= 0 && (q.injected !== expectInjected || q.unfinished !== 0)) out.push(`inv:injected ${q.injected}/${expectInjected} unfinished ${q.unfinished}`);
  if (q.completed + q.rejected + q.timed_out + q.dropped + q.unfinished !== q.injected) out.push('inv:conservation');
  for (const inst of m.instances) {
    const r = inst.requests;
    if (r.completed + r.rejected + r.timed_out + r.dropped + r.unfinished !== r.injected) out.push('inv:instance-conservation');
  }
  if (!(m.kv.peak_utilization <= 1)) out.push('inv:kv-capacity');
  for (const r of run.recs) {
    if (r.instance >= run.numInstances) out.push('inv:instance');
    if (r.status !== 'completed') continue;
    const chain = [r.arrivalUs, r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs, r.firstTokenUs, r.finishedUs];
    for (let k = 1; k < chain.length; k++) if (!(chain[k] >= chain[k - 1])) out.push(`inv:causality ${r.id} ${k}`);
    if (r.producedTokens !== r.outputTokens) out.push(`inv:tokens ${r.id}`);
  }
  return [...new Set(out)];
}

export async function check(i, focusDp = false) {
  const { o, specText, w, horizon, concurrency: c, grid } = drawConfig(i, focusDp);
  const spec = parseWorkloadSpec(specText, 'sessions.yaml');
  const workload = resolveWorkload({ spec, rate: w.rate, numRequests: w.numRequests, seed: w.seed });
  const generated = [...generateArrivals(workload, new Rng(w.seed).fork('workload'))];
  const arrivals = grid ? generated.map((a) => ({ ...a, arrivalUs: Math.round(a.arrivalUs / 1000) * 1000 })) : generated;
  const last = arrivals.length > 0 ? arrivals[arrivals.length - 1].arrivalUs : 0;
  const h = horizon ? Math.round(last * 0.8) : 0;
  const hinted = await runOnce(o, arrivals, true, true, h, c);
  const plain = await runOnce(o, stripFinal(arrivals), true, true, h, c);
  const stepped = await runOnce(o, arrivals, false, true, h, c);
  const eager = await runOnce(o, arrivals, true, false, h, c);
  const diffs = [];
  if (hinted.metrics !== plain.metrics) diffs.push('final:metrics');
  if (hinted.records !== plain.records) diffs.push('final:records');
  if (hinted.metrics !== stepped.metrics) diffs.push('leap:metrics');
  if (hinted.records !== stepped.records) diffs.push('leap:records');
  if (hinted.metrics !== eager.metrics) diffs.push('unique:metrics');
  if (hinted.records !== eager.records) diffs.push('unique:records');
  const m = hinted.m;
  diffs.push(...invariantBreaks(hinted, horizon ? -1 : arrivals.length));
  return { i, diffs, o, specText, w, horizon, concurrency: c, finals: arrivals.filter((a) => a.prefix?.final === true).length, preemptions: m.kv?.preemptions ?? 0, timedOut: m.requests?.timed_out ?? 0 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = opt('only', undefined);
  const start = Number(opt('start', 0));
  const count = Number(opt('count', 500));
  const indices = only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, k) => start + k);
  let failing = 0;
  let pre = 0;
  let tout = 0;
  let done = 0;
  let refused = 0;
  for (const i of indices) {
    let row;
    try {
      row = await check(i, args.includes('--dp'));
    } catch (e) {
      const msg = String(e?.message ?? e).split('\n')[0];
      if (e?.name === "InputError" || e?.code !== undefined) { done++; refused++; if (only !== undefined) console.log(`refused c${i}: ${msg}`); continue; } // a refused config
      failing++;
      console.log(`CRASH c${i}: ${msg}`);
      continue;
    }
    done++;
    if (row.preemptions > 0) pre++;
    if (row.timedOut > 0) tout++;
    if (row.diffs.length > 0 || only !== undefined) {
      if (row.diffs.length > 0) failing++;
      console.log(`${row.diffs.length > 0 ? 'FAIL' : 'ok'} c${i}: ${row.diffs.join(',')} finals ${row.finals} preemptions ${row.preemptions} timed out ${row.timedOut}\n  ${JSON.stringify(row.o)} ${JSON.stringify(row.w)} horizon ${row.horizon} concurrency ${JSON.stringify(row.concurrency)}\n  ${row.specText.replace(/\n/g, '\n  ')}`);
    }
    if (done % 50 === 0) console.log(`${done} configs, ${failing} failing, ${pre} preempting, ${tout} with timeouts, ${refused} refused`);
  }
  console.log(`${done} configs, ${failing} failing, ${pre} preempting, ${tout} with timeouts, ${refused} refused`);
  process.exitCode = failing > 0 ? 1 : 0;
}
