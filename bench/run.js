// `npm run bench`: fixed workloads, each in a fresh process, timed with and without event
// leaping (--no-leap), plus start-up. Reports user CPU seconds (best of --repeat runs: the
// machine may be shared, and the least disturbed run is the closest to the program's own cost),
// wall time, simulated requests per CPU second and peak RSS, with the load average around the
// runs. Figures depend on the machine: compare ratios, note the host and its load.
//
//   npm run bench                      every default case, 3 runs each
//   npm run bench -- a b --repeat 5    cases whose label starts with a or b
//   npm run bench -- --big             adds 1.8 M requests (flat memory) and a 10M-row replay
//   npm run bench -- --no-compare      leaping only (skip the --no-leap runs)
//   npm run bench -- a b --blis DIR/blis   also times the Go BLIS binary (run in its own directory,
//                                      which holds its defaults.yaml) on the same traffic, best of
//                                      --repeat, and prints the ratios
//
// bench/chatbot-eq.yaml is the Go BLIS "chatbot" workload token for token (prompt and output
// 256 ± 100, no prefix, no sessions): with a BLIS binary, `BLIS run --workload chatbot ...` against
// case a or b compares the two simulators on the same traffic.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const eq = join(here, 'chatbot-eq.yaml');
const fleet = ['--model', 'qwen/qwen3-14b', '--rate', '50', '--num-instances', '8', '--tp', '2', '--hardware', 'H100'];
const seed = [...fleet, '--workload', 'chatbot'];
const seedEq = [...fleet, '--workload-spec', eq];
/** The Go BLIS's own chatbot workload (what chatbot-eq.yaml matches), its quietest logging (its fastest run). */
const goChatbot = ['run', '--model', 'qwen/qwen3-14b', '--hardware', 'H100', '--workload', 'chatbot', '--log', 'fatal'];

const args = process.argv.slice(2);
const big = args.includes('--big');
const compare = !args.includes('--no-compare');
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Math.max(1, Number(args[repeatAt + 1])) : 3;
const blisAt = args.indexOf('--blis');
// Absolute: the binary runs in its own directory.
const goBlis = blisAt >= 0 ? resolve(args[blisAt + 1]) : undefined;
const only = args.filter((a, i) => !a.startsWith('--') && !(repeatAt >= 0 && i === repeatAt + 1) && !(blisAt >= 0 && i === blisAt + 1));

/** label → { argv, goal?, leapOnly?, blis? (the Go BLIS's arguments for the same traffic), warm? (runs again in the same process: child.cjs --bench-warm) } */
const CASES = {
  's: start-up, `blis run --num-requests 1`': { argv: ['run', '--num-requests', '1'], goal: 'user+sys <= 0.15 s', leapOnly: true, cpu: 'total' },
  'a: seed hour, token-matched (bench/chatbot-eq.yaml, ~180k requests, 8 x TP2 H100, round-robin)': { argv: ['run', ...seedEq, '--routing-policy', 'round-robin', '--duration', '3600'], goal: '< 2 s, < 300 MiB', blis: [...goChatbot, '--rate', '50', '--num-instances', '8', '--tp', '2', '--routing-policy', 'round-robin', '--num-requests', '180000'] },
  'b: 16,800 requests on one H100 at 20 req/s, token-matched': { argv: ['run', '--model', 'qwen/qwen3-14b', '--workload-spec', eq, '--rate', '20', '--num-requests', '16800', '--hardware', 'H100'], goal: '<= 0.27 s (>= 10x BLIS)', blis: [...goChatbot, '--rate', '20', '--num-requests', '16800'], warm: 5 },
  'c: seed hour, native chatbot preset (sessions, shared prefixes), round-robin': { argv: ['run', ...seed, '--routing-policy', 'round-robin', '--duration', '3600'], goal: 'gains as much as a' },
  'd: seed command, 10 min, round-robin': { argv: ['run', ...seed, '--routing-policy', 'round-robin', '--duration', '600'] },
  'e: seed command, 10 min, weighted prefix-affinity:2,queue-depth:1': { argv: ['run', ...seed, '--routing-policy', 'weighted', '--routing-scorers', 'prefix-affinity:2,queue-depth:1', '--duration', '600'], goal: '<= 1.5 x d' },
};
const tmp = mkdtempSync(join(tmpdir(), 'blis-bench-'));
const trace = (rows, layout = 'arrival') => {
  const path = join(tmp, `trace-${layout}-${rows}.csv`);
  if (!existsSync(path)) spawnSync(process.execPath, [join(here, 'gen-trace.js'), path, String(rows), '200', layout], { stdio: 'inherit' });
  return path;
};
const replay = (rows) => ['replay', trace(rows), '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-instances', '8', '--hardware', 'H100'];
CASES['f: replay a 1M-row arrival CSV (8 x llama-3.1-8b, 200 req/s): memory must not grow with rows'] = { argv: () => replay(1_000_000), leapOnly: true };
CASES['g: replay a 100k-row arrival CSV (same setup; compare RSS with f)'] = { argv: () => replay(100_000), leapOnly: true };
CASES["j: replay g's arrival times and lengths (no prefixes) as a vidur/Azure trace (its reader numbers the requests: private KV blocks registered only on preemption)"] = { argv: () => ['replay', trace(100_000, 'vidur'), '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-instances', '8', '--hardware', 'H100'], leapOnly: true };
CASES['k: ~1,000 running requests (30,000 token-matched, Llama-3.1-8B on one H100 at 60 req/s): joins and departures at a large batch'] = { argv: ['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--workload-spec', eq, '--rate', '60', '--num-requests', '30000', '--hardware', 'H100'], warm: 6 };
if (big) {
  CASES['h: 1.8 M requests, token-matched seed fleet, 10 h (--big)'] = { argv: ['run', ...seedEq, '--routing-policy', 'round-robin', '--duration', '36000'], goal: '< 20 s, RSS as in a', leapOnly: true };
  CASES['i: replay a 10M-row arrival CSV (--big)'] = { argv: () => replay(10_000_000), leapOnly: true };
}

/**
 * Best (least wall time) of `repeat` runs of the Go BLIS binary, in its own directory (its
 * defaults.yaml and model configs); user CPU and peak RSS through /usr/bin/time where it exists.
 */
function measureGo(argv) {
  const time = existsSync('/usr/bin/time');
  let best = null;
  for (let k = 0; k < repeat; k++) {
    const t0 = process.hrtime.bigint();
    const r = time
      ? spawnSync('/usr/bin/time', ['-f', 'GOTIME %U %S %M', goBlis, ...argv], { cwd: dirname(goBlis), encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(goBlis, argv, { cwd: dirname(goBlis), encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) return { error: r.stderr || r.error?.message || `exit ${r.status}` };
    const m = /GOTIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
    const run = { wall_s: wall, user_s: m ? Number(m[1]) : null, max_rss_mb: m ? Number(m[3]) / 1024 : null };
    if (best === null || run.wall_s < best.wall_s) best = run;
  }
  return best;
}

/** Best (least user CPU) of `repeat` runs of one case in fresh processes; `warm` more runs in each (child.cjs --bench-warm). */
function measure(argv, warm = 0) {
  let best = null;
  for (let k = 0; k < repeat; k++) {
    const r = spawnSync(process.execPath, [join(here, 'child.cjs'), ...(warm > 0 ? ['--bench-warm', String(warm)] : []), ...argv, '--output', 'json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) return { error: r.stderr || `exit ${r.status}` };
    const m = JSON.parse(r.stdout.trim().split('\n').pop());
    if (best === null || m.user_s < best.user_s) best = m;
  }
  return best;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`blis bench on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; best of ${repeat} runs; load average ${load()}`);
const results = {};
for (const [name, c] of Object.entries(CASES)) {
  if (only.length > 0 && !only.some((o) => name.startsWith(o))) continue;
  const argv = typeof c.argv === 'function' ? c.argv() : c.argv;
  const leap = measure(argv, c.warm ?? 0);
  if (leap.error) {
    console.log(`${name}: FAILED\n${leap.error}`);
    process.exitCode = 1;
    continue;
  }
  const stepped = compare && !c.leapOnly ? measure([...argv, '--no-leap']) : null;
  results[name] = leap;
  const cpu = c.cpu === 'total' ? leap.user_s + leap.sys_s : leap.user_s;
  const lines = [`${name}${c.goal ? `   [goal ${c.goal}]` : ''}`];
  const perCpu = leap.injected ? `, ${Math.round(leap.injected / cpu).toLocaleString('en-US')} requests per CPU second` : '';
  lines.push(`  ${leap.injected ?? '-'} requests: ${cpu.toFixed(2)} s ${c.cpu === 'total' ? 'user+sys' : 'user'} CPU, ${leap.wall_s.toFixed(2)} s wall${perCpu}; peak RSS ${leap.max_rss_mb.toFixed(0)} MiB`);
  if (typeof leap.warm_wall_s === 'number') {
    lines.push(`  the same run again in that process (V8's code compiled, as in a sweep's worker): ${leap.warm_wall_s.toFixed(3)} s wall, best of ${c.warm}`);
  }
  if (stepped && !stepped.error) {
    lines.push(`  --no-leap: ${stepped.user_s.toFixed(2)} s user CPU, peak RSS ${stepped.max_rss_mb.toFixed(0)} MiB; leaping ${(stepped.user_s / leap.user_s).toFixed(2)}x faster`);
  }
  if (goBlis !== undefined && c.blis) {
    const go = measureGo(c.blis);
    if (go.error) lines.push(`  BLIS ${c.blis.join(' ')}: FAILED\n${go.error}`);
    else {
      const cpuPart = go.user_s === null ? '' : `, ${go.user_s.toFixed(2)} s user CPU, peak RSS ${go.max_rss_mb.toFixed(0)} MiB`;
      const cpuRatio = go.user_s === null ? '' : `, ${(go.user_s / leap.user_s).toFixed(1)}x in user CPU`;
      lines.push(`  BLIS (${goBlis} ${c.blis.slice(1).join(' ')}): ${go.wall_s.toFixed(2)} s wall${cpuPart}; blis ${(go.wall_s / leap.wall_s).toFixed(1)}x faster in wall time${cpuRatio}`);
    }
  }
  console.log(lines.join('\n'));
}
const d = Object.entries(results).find(([k]) => k.startsWith('d:'))?.[1];
const e = Object.entries(results).find(([k]) => k.startsWith('e:'))?.[1];
if (d && e) console.log(`weighted / round-robin user-CPU ratio: ${(e.user_s / d.user_s).toFixed(2)} (budget 1.5)`);
console.log(`load average after: ${load()}`);

// The workload, ingest and telemetry rooms' own benchmarks: requests generated/s, CSV rows/s and spans/s.
for (const [name, script, extra] of [['workload', 'workload.mjs', []], ['ingest', 'ingest.mjs', []], ['telemetry', 'telemetry.mjs', ['100000', 'pb']]]) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`${name}:`);
  const r = spawnSync(process.execPath, [join(here, script), ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  process.stdout.write(r.stdout.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n'));
  if (r.status !== 0) { console.log(`  FAILED\n${r.stderr}`); process.exitCode = 1; }
}
rmSync(tmp, { recursive: true, force: true });
