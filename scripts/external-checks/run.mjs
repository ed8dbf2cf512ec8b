#!/usr/bin/env node
/**
 * Reproduces the published vLLM measurements of points.json with blis and prints predicted
 * against measured (docs/external-checks.md). Usage, after `npm ci`:
 *
 *   node scripts/external-checks/run.mjs [--json OUT.json] [--latency-model roofline] [id...]
 *
 * A burst point sends n requests at t = 0 (vllm bench serve --request-rate inf). A closed point
 * is a client that keeps `concurrency` requests open (--max-concurrency): blis has no closed-loop
 * arrival process, so the arrival of request i >= C is the (i - C + 1)-th completion of the
 * previous simulation, iterated until the arrivals stop moving (a fixed point: each pass pins at
 * least one more wave). Each pass is one `blis replay` of a normalised arrival CSV.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const blis = join(here, '..', '..', 'bin', 'blis.js');
const points = JSON.parse(readFileSync(join(here, 'points.json'), 'utf8')).points;

const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const jsonOut = take('--json');
const latencyModel = take('--latency-model');
const selected = args.length > 0 ? points.filter((p) => args.includes(p.id)) : points;
const dir = mkdtempSync(join(tmpdir(), 'blis-xcheck-'));

/** One replay of `arrivalsUs`; returns the metrics JSON and each request's finish time (µs) by index. */
function simulate(p, arrivalsUs) {
  const csv = join(dir, `${p.id}.csv`);
  const out = join(dir, `${p.id}.requests.csv`);
  const rows = arrivalsUs.map((t, i) => `r${i},${Math.round(t)},${p.load.input},${p.load.output}`);
  writeFileSync(csv, `id,arrival_us,input_tokens,output_tokens\n${rows.join('\n')}\n`);
  const argv = [blis, 'replay', csv, '--model', p.model, '--hardware', p.hardware, '--tp', String(p.tp),
    '--output', 'json', '--quiet', '--requests-out', out, ...(p.flags ?? []), ...(latencyModel ? ['--latency-model', latencyModel] : [])];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${p.id}: blis exited ${r.status}: ${r.stderr}`);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const id = head.indexOf('id');
  const fin = head.indexOf('finished_us');
  const finish = new Array(arrivalsUs.length);
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    finish[Number(c[id].slice(1))] = Number(c[fin]);
  }
  return { metrics: JSON.parse(r.stdout), finish };
}

function reproduce(p) {
  const { n } = p.load;
  let arrivals = new Array(n).fill(0);
  let run = simulate(p, arrivals);
  if (p.load.kind === 'closed') {
    const c = p.load.concurrency;
    for (let pass = 0; pass < n + 2; pass++) {
      const done = [...run.finish].sort((a, b) => a - b);
      const next = arrivals.map((_, i) => (i < c ? 0 : done[i - c]));
      if (next.every((t, i) => Math.round(t) === Math.round(arrivals[i]))) break;
      arrivals = next;
      run = simulate(p, arrivals);
    }
  }
  const durationS = (Math.max(...run.finish) - Math.min(...arrivals)) / 1e6;
  const m = run.metrics;
  return {
    duration_s: durationS,
    ttft_mean: m.ttft_ms.mean,
    tpot_mean: m.tpot_ms.mean,
    block_size: m.config.block_size,
    total_kv_blocks: m.config.total_kv_blocks,
    max_num_seqs: m.config.max_num_seqs,
    max_num_batched_tokens: m.config.max_num_batched_tokens,
    preemptions: m.kv.preemptions,
  };
}

const results = [];
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
console.log('| id | metric | measured | blis | error |');
console.log('|---|---|---:|---:|---:|');
for (const p of selected) {
  const predicted = reproduce(p);
  const errors = {};
  for (const [k, measured] of Object.entries(p.measured)) {
    errors[k] = (predicted[k] / measured - 1) * 100;
    console.log(`| ${p.id} | ${k} | ${fmt(measured)} | ${fmt(predicted[k])} | ${errors[k] >= 0 ? '+' : ''}${errors[k].toFixed(1)} % |`);
  }
  results.push({ id: p.id, measured: p.measured, predicted, errors });
}
rmSync(dir, { recursive: true, force: true });
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 1)}\n`);
