#!/usr/bin/env node
// A fresh server's first steps in a real calibration run beside blis (docs/calibration.md, Known
// limits: "A fresh server's second step stalls"): the run's first requests replayed at their
// recorded arrivals, request by request.
//
//   npm run build && node scripts/fresh-start.mjs [id ...] [--first n]
//
// With no id, every calibration run. Prints, per run, the first n requests (default 20): arrival,
// prompt tokens, the real first token and blis's, the real finish (ms after the first arrival), and
// the real run's output groups (first tokens within 0.5 ms of each other come out of one engine step). Then the
// line that measures the stall: how long after the first request's first token the next output
// comes, in the real run and in blis.
// Requests that arrive after the first request's first token yet share an output with later
// arrivals were not scheduled until the last of them had arrived: the engine was waiting on a
// step that held none of them (the first request's decode).
import { calibrationIds, replayCalibration } from './calibration-replay.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--first');
const first = at >= 0 ? Number(args[at + 1]) : 20;
const ids = args.filter((a, i) => a !== '--first' && (at < 0 || i !== at + 1));
const ms = (us) => (us / 1000).toFixed(1).padStart(7);

for (const id of ids.length > 0 ? ids : calibrationIds()) {
  const { rows, sim } = await replayCalibration(id);
  const order = rows.map((row, i) => ({ row, i })).filter((x) => x.row.ttftUs !== undefined).sort((a, b) => a.row.arrivalUs - b.row.arrivalUs).slice(0, first);
  const t0 = order[0].row.arrivalUs;
  const real = order.map((x) => x.row.arrivalUs + x.row.ttftUs - t0);
  const blis = order.map((x) => { const r = sim.get(x.i); return r === undefined || r.firstTokenUs < 0 ? NaN : r.firstTokenUs - t0; });
  // Output groups of the real run: first tokens within 0.5 ms of each other.
  const byTime = real.map((t, k) => ({ t, k })).sort((a, b) => a.t - b.t);
  const group = new Array(real.length);
  let g = 0;
  byTime.forEach((x, j) => { if (j > 0 && x.t - byTime[j - 1].t > 500) g++; group[x.k] = String.fromCharCode(65 + (g % 26)); });
  console.log(`${id}`);
  console.log('   req  arrival  prompt  real 1st tok  blis 1st tok  real finish  group');
  order.forEach((x, k) => console.log(`  ${String(k).padStart(4)} ${ms(x.row.arrivalUs - t0)} ${String(x.row.inputTokens).padStart(7)}      ${ms(real[k])}       ${ms(blis[k])}      ${ms(x.row.arrivalUs + x.row.e2eUs - t0)}     ${group[k]}`));
  const next = (times) => Math.min(...times.filter((t, k) => k > 0 && t > times[0] + 500));
  const realNext = next(real);
  const blisNext = next(blis);
  const gap = realNext - real[0] - (blisNext - blis[0]);
  console.log(`  first output after the first request's: real ${ms(realNext - real[0]).trim()} ms after it, blis ${ms(blisNext - blis[0]).trim()} ms (real - blis ${ms(gap).trim()} ms)`);
}
