// Workload generation throughput: draws 180,000 chatbot requests (one hour of the seed's 50
// req/s) from the seeded generator, five times, and prints requests generated per wall second
// (the budget: well under a second for the hour). Run after `npm run build` (imports dist/);
// BLIS_DIST overrides the compiled folder.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BLIS_DIST ?? new URL('../dist/', import.meta.url).pathname;
const load = async (m) => import(pathToFileURL(join(dist, m)).href);
const { resolveWorkload } = await load('workload/resolve.js');
const { generateArrivals } = await load('workload/generate.js');
const { Rng } = await load('kernel/rng.js');

const n = 180_000;
const w = resolveWorkload({ preset: 'chatbot', rate: 50, numRequests: n });
const walls = [];
for (let run = 0; run < 5; run++) {
  const t0 = performance.now();
  let count = 0;
  for (const _r of generateArrivals(w, new Rng(run + 1).fork('workload'))) count++;
  walls.push(performance.now() - t0);
  if (count !== n) throw new Error(`generated ${count} requests, expected ${n}`);
}
walls.sort((a, b) => a - b);
const median = walls[2];
console.log(`chatbot, ${n.toLocaleString('en-US')} requests: median ${median.toFixed(0)} ms wall (min ${walls[0].toFixed(0)}, max ${walls[4].toFixed(0)}) = ${Math.round(n / (median / 1000)).toLocaleString('en-US')} requests/s`);
