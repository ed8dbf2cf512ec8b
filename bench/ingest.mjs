// Ingest throughput: generates a 1M-row 3-column CSV (vidur/Azure relative layout) and a
// mapped-CSV variant, streams them through openTrace, prints rows/s and peak RSS.
// Run after `npm run build` (imports dist/); BLIS_DIST overrides the compiled folder.
import { appendFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BLIS_DIST ?? new URL('../dist/', import.meta.url).pathname;
const { openTrace } = await import(pathToFileURL(join(dist, 'ingest/open.node.js')).href);
const rows = Number(process.env.ROWS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'blis-ingest-bench-'));

function write(name, header, row) {
  // Written in blocks so the generator itself does not hold the file in memory.
  const path = join(dir, name);
  writeFileSync(path, `${header}\n`);
  let t = 0;
  for (let start = 0; start < rows; start += 50_000) {
    const parts = [];
    for (let i = start; i < Math.min(rows, start + 50_000); i++) {
      t += ((i * 7919) % 1000) / 10000;
      parts.push(row(i, t));
    }
    appendFileSync(path, `${parts.join('\n')}\n`);
  }
  return path;
}

async function run(label, path, options) {
  const t0 = performance.now();
  const opened = await openTrace(path, options);
  let n = 0;
  let tokens = 0;
  let peakRss = 0;
  for await (const r of opened.requests) {
    n++;
    tokens += r.inputTokens;
    if ((n & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${n} requests in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en')} rows/s (format ${opened.format}, input tokens ${tokens}, RSS while reading ≤ ${(peakRss / 2 ** 20).toFixed(0)} MiB)`);
}

try {
  const vidur = write('vidur.csv', 'arrived_at,num_prefill_tokens,num_decode_tokens', (i, t) => `${t.toFixed(6)},${1 + (i % 5000)},${1 + (i % 700)}`);
  const mapped = write('mapped.csv', 'ts,prompt_tokens,completion_tokens,user', (i, t) => `${Math.round(t * 1000)},${1 + (i % 5000)},${1 + (i % 700)},u${i % 97}`);
  await run('vidur 3-col CSV (auto)', vidur, {});
  await run('mapped 4-col CSV (ms)', mapped, { columns: { arrival: 'ts', input: 'prompt_tokens', output: 'completion_tokens' }, timeUnit: 'ms' });
  await run('vidur + speedup 2 + sample 0.5', vidur, { speedup: 2, sample: 0.5, seed: 1 });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
