// Writes an arrival CSV of N requests (Poisson at RATE req/s, lognormal-ish lengths, a shared
// system prompt per 8 groups) in blocks, so the generator never holds the file in memory. With
// `vidur` as the fourth argument: the same arrivals and lengths as a vidur-processed Azure trace
// (arrived_at s, num_prefill_tokens, num_decode_tokens; no ids, no prefixes), a format whose
// reader numbers the requests itself.
import { appendFileSync, writeFileSync } from 'node:fs';

const [path, nText, rateText, layout] = process.argv.slice(2);
const vidur = layout === 'vidur';
const n = Number(nText);
const rate = Number(rateText ?? 200);
let seed = 12345;
const rnd = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return (seed + 0.5) / 4294967296; };
writeFileSync(path, vidur ? 'arrived_at,num_prefill_tokens,num_decode_tokens\n' : 'id,arrival_us,input_tokens,output_tokens,prefix_group,prefix_tokens\n');
let t = 0;
for (let start = 0; start < n; start += 100_000) {
  let block = '';
  for (let i = start; i < Math.min(n, start + 100_000); i++) {
    t += -Math.log(rnd()) / rate;
    const input = 200 + Math.floor(-Math.log(rnd()) * 400);
    const output = 20 + Math.floor(-Math.log(rnd()) * 120);
    block += vidur ? `${t.toFixed(6)},${input},${output}\n` : `r${i},${Math.round(t * 1e6)},${input},${output},sys${i % 8},128\n`;
  }
  appendFileSync(path, block);
}
