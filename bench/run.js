// `npm run bench`: fixed workloads, each in a fresh process; prints simulated requests per wall
// second and peak memory. Figures depend on the machine: compare ratios, note the host.
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const seed = ['--model', 'qwen/qwen3-14b', '--workload', 'chatbot', '--rate', '50', '--num-instances', '8', '--tp', '2', '--hardware', 'H100'];
const CASES = {
  'a: seed command, 1 h of traffic (~180k requests), round-robin': ['run', ...seed, '--routing-policy', 'round-robin', '--duration', '3600'],
  'b: 16,800 requests on one instance (llama-3.1-8b, H100)': ['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--workload', 'chatbot', '--rate', '12', '--num-requests', '16800', '--hardware', 'H100'],
  'c: seed command, 10 min, round-robin': ['run', ...seed, '--routing-policy', 'round-robin', '--duration', '600'],
  'd: seed command, 10 min, weighted prefix-affinity:2,queue-depth:1': ['run', ...seed, '--routing-policy', 'weighted', '--routing-scorers', 'prefix-affinity:2,queue-depth:1', '--duration', '600'],
};

const args = process.argv.slice(2);
const big = args.includes('--big');
const only = args.filter((a) => !a.startsWith('--'));
const tmp = mkdtempSync(join(tmpdir(), 'blis-bench-'));
const trace = (rows) => {
  const path = join(tmp, `trace-${rows}.csv`);
  if (!existsSync(path)) spawnSync(process.execPath, [join(here, 'gen-trace.js'), path, String(rows), '200'], { stdio: 'inherit' });
  return path;
};
const replay = (rows) => ['replay', trace(rows), '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-instances', '8', '--hardware', 'H100'];
CASES['e: replay a 1M-row arrival CSV (8 x llama-3.1-8b, 200 req/s): memory must not grow with rows'] = () => replay(1_000_000);
CASES['f: replay a 100k-row arrival CSV (same setup; compare RSS with e)'] = () => replay(100_000);
if (big) CASES['g: replay a 10M-row arrival CSV (--big)'] = () => replay(10_000_000);
console.log(`blis bench on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
const results = {};
for (const [name, args] of Object.entries(CASES)) {
  if (only.length > 0 && !only.some((o) => name.startsWith(o))) continue;
  const argv = typeof args === 'function' ? args() : args;
  const r = spawnSync(process.execPath, [join(here, 'child.js'), ...argv, '--output', 'json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.log(`${name}: FAILED\n${r.stderr}`);
    process.exitCode = 1;
    continue;
  }
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  results[name] = m;
  const rate = m.injected ? Math.round(m.injected / m.wall_s) : 0;
  console.log(`${name}\n  ${m.injected} requests in ${m.wall_s.toFixed(2)} s wall = ${rate.toLocaleString('en-US')} simulated requests/s; peak RSS ${m.max_rss_mb.toFixed(0)} MiB`);
}
const c = Object.entries(results).find(([k]) => k.startsWith('c:'))?.[1];
const d = Object.entries(results).find(([k]) => k.startsWith('d:'))?.[1];
if (c && d) console.log(`weighted / round-robin wall-time ratio: ${(d.wall_s / c.wall_s).toFixed(2)} (budget 1.5)`);

// The workload, ingest and telemetry rooms' own benchmarks: requests generated/s, CSV rows/s and spans/s.
for (const [name, script, extra] of [['workload', 'workload.mjs', []], ['ingest', 'ingest.mjs', []], ['telemetry', 'telemetry.mjs', ['100000', 'pb']]]) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`${name}:`);
  const r = spawnSync(process.execPath, [join(here, script), ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  process.stdout.write(r.stdout.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n'));
  if (r.status !== 0) { console.log(`  FAILED\n${r.stderr}`); process.exitCode = 1; }
}
rmSync(tmp, { recursive: true, force: true });
