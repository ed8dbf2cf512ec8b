#!/usr/bin/env node
// What an uncached prefill adds to TTFT, real vLLM against blis, in the calibration runs
// (docs/external-checks.md, "Prefill on H100 in sample"). Replays each run's recorded arrivals,
// splits its requests by the prompt tokens blis computes for them (prompt − prefix-cache hit):
// "cached" (< 32 tokens to compute) and "uncached" (>= 256), and compares the median TTFT of each
// group, real and simulated. The difference of the two medians is what computing the prompt costs
// on top of a cached request's path (queueing, the first step, the first-token overhead), so it
// tests the prefill's compute rate without the fitted constants. The real run's own cache hits
// are not recorded; the split is blis's, which in these runs hits a recurring prompt and misses
// a group's first prompts and those evicted since.
//
//   npm run build && node scripts/uncached-prefill.mjs [id ...]   (default: every calibration run with a per-request CSV)
//
// The groups are compared stage by stage (a stage's load sets both groups' queueing), pooled over
// the stages that are not saturated (both medians of the cached group under 200 ms, real and
// simulated) and have at least 5 requests in each group, weighted by the uncached requests. The
// requests of the first 5 s are left out (the cold start).
import { calibrationIds, median, replayCalibration } from './calibration-replay.mjs';

const ids = process.argv.length > 2 ? process.argv.slice(2) : calibrationIds();
const f1 = (x) => x.toFixed(1).padStart(6);

console.log('run                                          cached  uncached  tokens  real: cached uncached  added  blis: cached uncached  added  added, blis vs real');
for (const id of ids) {
  const { rows, sim } = await replayCalibration(id);
  const stages = new Map();
  rows.forEach((row, i) => {
    const r = sim.get(i);
    if (r === undefined || r.firstTokenUs < 0 || row.ttftUs === undefined || row.arrivalUs < 5e6) return;
    const point = { tokens: r.inputTokens - r.cachedTokens, real: row.ttftUs / 1000, blis: (r.firstTokenUs - r.arrivalUs) / 1000 };
    const group = point.tokens < 32 ? 'cached' : point.tokens >= 256 ? 'uncached' : null;
    if (group === null) return;
    if (!stages.has(r.stage)) stages.set(r.stage, { cached: [], uncached: [] });
    stages.get(r.stage)[group].push(point);
  });
  const m = (g, k) => median(g.map((p) => p[k]));
  let n = 0;
  let nc = 0;
  const sums = { tokens: 0, realC: 0, realU: 0, blisC: 0, blisU: 0 };
  for (const { cached, uncached } of stages.values()) {
    if (cached.length < 5 || uncached.length < 5 || m(cached, 'real') >= 200 || m(cached, 'blis') >= 200) continue;
    const w = uncached.length;
    n += w;
    nc += cached.length;
    sums.tokens += w * m(uncached, 'tokens');
    sums.realC += w * m(cached, 'real');
    sums.realU += w * m(uncached, 'real');
    sums.blisC += w * m(cached, 'blis');
    sums.blisU += w * m(uncached, 'blis');
  }
  const name = id.padEnd(44);
  if (n === 0) {
    console.log(`${name}      -         -        -  no unsaturated stage with 5 requests in each group`);
    continue;
  }
  const [tokens, realC, realU, blisC, blisU] = [sums.tokens / n, sums.realC / n, sums.realU / n, sums.blisC / n, sums.blisU / n];
  const realAdded = realU - realC;
  const blisAdded = blisU - blisC;
  console.log(`${name} ${String(nc).padStart(6)} ${String(n).padStart(9)} ${tokens.toFixed(0).padStart(7)}  ${f1(realC)} ${f1(realU)} ${f1(realAdded)}  ${f1(blisC)} ${f1(blisU)} ${f1(blisAdded)}  ${((100 * (blisAdded - realAdded)) / realAdded).toFixed(0).padStart(5)} %`);
}
