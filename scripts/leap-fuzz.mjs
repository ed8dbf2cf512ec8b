#!/usr/bin/env node
// Differential fuzzing of event leaping: draws random `blis run` / `blis replay` configurations
// (models, GPUs, TP, engine knobs, small KV pools, routing, admission, P/D, autoscaler, generated
// workload specs, sample traces, every output file), runs each with leaping (the default), with
// --no-leap and with leaping again, and `cmp`s every output: the metrics JSON, stdout, stderr,
// request rows, OTLP spans and the autoscaler timeline must be byte-identical (the --no-leap
// contract in docs/engine.md, and DESIGN.md's determinism invariant). A run that exceeds the
// timeout counts as a hang; an exit code other than 0 or 2 as a crash.
//
//   npm run build && nice -n 10 node scripts/leap-fuzz.mjs [--start 0] [--count 200] [--jobs 2]
//       [--timeout 120] [--out /tmp/leap-fuzz] [--only 17]
//
// Config i is drawn from a generator seeded with i, so `--only i` reruns one. Failing configs keep
// their directory under --out (argv.txt holds the command line); results.jsonl has one line per
// config (features, exit codes, differences, seconds). Exit 1 when any config differs, hangs or
// crashes.
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, realpathSync, symlinkSync, renameSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { draw } from './leap-fuzz-draw.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const start = Number(opt('start', 0));
const count = Number(opt('count', 200));
const jobs = Number(opt('jobs', 2));
const timeoutS = Number(opt('timeout', 120));
const outDir = opt('out', '/tmp/leap-fuzz');
const only = opt('only', undefined);
// The runs use a copy of the build, so rebuilding the checkout mid-run cannot fail them.
const build = join(outDir, 'build');
const cli = join(build, 'bin', 'blis.js');
function snapshotBuild() {
  rmSync(build, { recursive: true, force: true });
  for (const d of ['bin', 'dist', 'proto', 'package.json']) cpSync(join(here, d), join(build, d), { recursive: true });
  symlinkSync(realpathSync(join(here, 'node_modules')), join(build, 'node_modules'));
}

const OUTPUTS = ['stdout', 'stderr', 'exit', 'metrics.json', 'requests.csv', 'requests.jsonl', 'traces.json', 'traces.pb', 'traces.jsonl.gz', 'timeline.csv'];

function runOne(dir, argv) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [cli, ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      writeFileSync(join(dir, 'stdout'), Buffer.concat(out));
      writeFileSync(join(dir, 'stderr'), Buffer.concat(err));
      const exit = timedOut ? 'timeout' : code === null ? `signal ${signal}` : String(code);
      writeFileSync(join(dir, 'exit'), exit);
      resolve({ exit, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

function differences(a, b) {
  const diffs = [];
  for (const f of OUTPUTS) {
    const pa = join(a, f);
    const pb = join(b, f);
    const ea = existsSync(pa);
    if (ea !== existsSync(pb)) diffs.push(`${f} (only one side)`);
    else if (ea && !readFileSync(pa).equals(readFileSync(pb))) diffs.push(f);
  }
  return diffs;
}

async function check(i) {
  const { argv, files, tags } = draw(i, here);
  const base = join(outDir, `c${i}`);
  const sides = { leap: [], noleap: ['--no-leap'], again: [] };
  const res = {};
  for (const [side, extra] of Object.entries(sides)) {
    // Every side runs in the same directory (messages name their files), then moves aside.
    const dir = join(base, 'run');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    res[side] = await runOne(dir, [...argv, ...extra]);
    renameSync(dir, join(base, side));
    if (side === 'leap' && res.leap.exit === 'timeout') break;
  }
  const diffs = res.noleap ? differences(join(base, 'leap'), join(base, 'noleap')) : [];
  const nondet = res.again ? differences(join(base, 'leap'), join(base, 'again')) : [];
  const exit = res.leap.exit;
  const hang = Object.values(res).some((x) => x.exit === 'timeout');
  const crash = Object.values(res).some((x) => x.exit !== '0' && x.exit !== '2' && x.exit !== 'timeout');
  const bad = diffs.length > 0 || nondet.length > 0 || hang || crash;
  let refused = '';
  if (exit === '2') {
    const text = readFileSyncSafe(join(base, 'leap', 'stderr'));
    refused = text.split('\n')[0].slice(0, 300);
  }
  // What the run went through (preemptions, timeouts, rejections), for the feature counts.
  let outcome = null;
  try {
    const m = JSON.parse(readFileSync(join(base, 'leap', 'metrics.json'), 'utf8'));
    outcome = { ...m.requests, preemptions: m.kv?.preemptions ?? 0 };
  } catch { /* no metrics (refused) */ }
  writeFileSync(join(base, 'argv.txt'), argv.join(' ') + '\n');
  if (!bad) rmSync(base, { recursive: true, force: true });
  const row = { i, exit, refused, diffs, nondet, hang, crash, tags, outcome, seconds: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.seconds])), argv: argv.join(' ') };
  appendFileSync(join(outDir, 'results.jsonl'), JSON.stringify(row) + '\n');
  return row;
}

function readFileSyncSafe(path) {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

mkdirSync(outDir, { recursive: true });
snapshotBuild();
const indices = only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, k) => start + k);
let next = 0;
let failures = 0;
let done = 0;
async function worker() {
  while (next < indices.length) {
    const i = indices[next++];
    const row = await check(i);
    done++;
    if (row.diffs.length || row.nondet.length || row.hang || row.crash) {
      failures++;
      console.log(`FAIL c${i}: leap/no-leap ${row.diffs.join(',') || '-'}; rerun ${row.nondet.join(',') || '-'}; exit ${row.exit}${row.hang ? ' HANG' : ''}${row.crash ? ' CRASH' : ''}\n  ${row.argv}`);
    }
    if (done % 25 === 0) console.log(`${done}/${indices.length} configs, ${failures} failing`);
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, indices.length) }, worker));
console.log(`${done} configs, ${failures} failing (${outDir}/results.jsonl)`);
rmSync(build, { recursive: true, force: true });
process.exitCode = failures > 0 ? 1 : 0;
