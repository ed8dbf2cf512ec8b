#!/usr/bin/env node
// Requests that start late in a real calibration run for no reason blis sees (docs/calibration.md,
// Known limits): replays the run's recorded arrivals, compares TTFT and E2E request by request,
// and asks whether the late ones look like a per-request cost or an engine-wide stall.
//
//   npm run build && node scripts/late-starts.mjs 20260217-155451-llama-2-7b-tp1-codegen [threshold_ms]
//
// Prints: how many requests start over threshold_ms (default 20) later than blis beyond the run's
// median TTFT difference (after the first 5 s, the cold start); their prompt-cache hits in blis;
// their E2E difference against everyone's; how many consecutive late first tokens come within 1 ms
// of each other against random draws of as many requests; and the E2E difference of requests
// finishing within 40 ms of a late first token against the same window around random times.
import { median, replayCalibration } from './calibration-replay.mjs';

const id = process.argv[2];
if (!id) {
  console.error('usage: node scripts/late-starts.mjs <calibration experiment id> [threshold_ms]');
  process.exit(2);
}
const thresholdUs = 1000 * Number(process.argv[3] ?? 20);
const { rows, sim } = await replayCalibration(id);

const all = [];
rows.forEach((row, i) => {
  const r = sim.get(i);
  if (r === undefined || r.firstTokenUs < 0 || r.finishedUs < 0 || row.ttftUs === undefined || row.e2eUs === undefined || row.arrivalUs < 5e6) return;
  all.push({ arrival: row.arrivalUs, ttft: row.ttftUs - (r.firstTokenUs - r.arrivalUs), e2e: row.e2eUs - (r.finishedUs - r.arrivalUs),
    firstToken: row.arrivalUs + row.ttftUs, finish: row.arrivalUs + row.e2eUs, nearFullHit: r.cachedTokens >= r.inputTokens - 16, wholeBlocks: r.inputTokens % 16 === 0 });
});
const mTtft = median(all.map((x) => x.ttft));
const mE2e = median(all.map((x) => x.e2e));
const late = all.filter((x) => x.ttft - mTtft > thresholdUs);
const ms = (us) => (us / 1000).toFixed(1);
console.log(`${id}: ${late.length} of ${all.length} requests (${((100 * late.length) / all.length).toFixed(2)} %) start over ${thresholdUs / 1000} ms late`);
if (late.length === 0) process.exit(0);
console.log(`  TTFT above blis's beyond the median difference: median ${ms(median(late.map((x) => x.ttft - mTtft)))} ms, max ${ms(Math.max(...late.map((x) => x.ttft - mTtft)))} ms`);
console.log(`  in blis: ${late.filter((x) => x.nearFullHit).length} hit the prefix cache for all but their last block, ${late.filter((x) => x.wholeBlocks).length} are whole-block prompts`);
console.log(`  E2E difference: late median ${ms(median(late.map((x) => x.e2e)))} ms, all ${ms(mE2e)} ms`);

// A deterministic stream of draws (the answer must not change between runs).
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const pairsWithin = (times, us) => {
  const s = [...times].sort((a, b) => a - b);
  let n = 0;
  for (let i = 1; i < s.length; i++) if (s[i] - s[i - 1] <= us) n++;
  return n;
};
const nullPairs = [];
for (let k = 0; k < 200; k++) {
  const pick = [];
  for (let j = 0; j < late.length; j++) pick.push(all[Math.floor(rand() * all.length)].firstToken);
  nullPairs.push(pairsWithin(pick, 1000));
}
console.log(`  consecutive late first tokens within 1 ms: ${pairsWithin(late.map((x) => x.firstToken), 1000)} of ${late.length - 1}; random draws: median ${median(nullPairs)}, max ${Math.max(...nullPairs)}`);

const before = (times) => {
  const s = [...times].sort((a, b) => a - b);
  const out = [];
  for (const x of all) {
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < x.finish - 40_000) lo = mid + 1;
      else hi = mid;
    }
    if (lo < s.length && s[lo] <= x.finish + 40_000) out.push(x.e2e - mE2e);
  }
  return out;
};
const near = before(late.map((x) => x.firstToken));
const span = [Math.min(...all.map((x) => x.finish)), Math.max(...all.map((x) => x.finish))];
const nullNear = [];
for (let k = 0; k < 20; k++) nullNear.push(...before(late.map(() => span[0] + rand() * (span[1] - span[0]))));
console.log(`  requests finishing within 40 ms of a late first token: ${near.length}, E2E difference median ${ms(median(near))} ms beyond the run's; around random times: ${ms(median(nullNear))} ms`);
