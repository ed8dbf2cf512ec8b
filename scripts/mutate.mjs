// `npm run mutate [room...]`: StrykerJS over src/kernel, src/cluster and src/engine (or the rooms
// named), one room at a time (stryker.config.mjs, incremental: unchanged code and tests reuse
// their results), then the score per room. Not part of `npm test`: a full run takes hours on a
// shared machine; run it under `nice`. Score = (killed + timed out) / (all valid mutants),
// Stryker's mutation score; "covered" leaves out mutants no test runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const ROOMS = ['kernel', 'cluster', 'engine'];
const rooms = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const summaryOnly = process.argv.includes('--summary');
for (const room of rooms) if (!ROOMS.includes(room)) throw new Error(`unknown room '${room}'; known: ${ROOMS.join(', ')}`);
const chosen = rooms.length > 0 ? rooms : ROOMS;

if (!summaryOnly) {
  for (const room of chosen) {
    console.log(`\n== mutating src/${room}`);
    const r = spawnSync('npx', ['stryker', 'run'], { stdio: 'inherit', env: { ...process.env, BLIS_MUTATE_ROOM: room } });
    if (r.status !== 0) process.exitCode = 1;
  }
}

const rows = [];
for (const room of chosen) {
  const name = process.env.BLIS_MUTATE_WIDE === '1' ? `${room}-wide` : room;
  const path = `reports/mutation/${name}.json`;
  if (!existsSync(path)) continue;
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const n = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  for (const file of Object.values(report.files)) for (const m of file.mutants) n[m.status] = (n[m.status] ?? 0) + 1;
  const detected = n.Killed + n.Timeout;
  const valid = detected + n.Survived + n.NoCoverage;
  rows.push([name, valid, n.Killed, n.Timeout, n.Survived, n.NoCoverage, valid ? (100 * detected / valid).toFixed(1) : '-', detected + n.Survived ? (100 * detected / (detected + n.Survived)).toFixed(1) : '-']);
}
const head = ['room', 'mutants', 'killed', 'timeout', 'survived', 'no cover', 'score %', 'covered %'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
console.log(`\n${line(head)}`);
for (const r of rows) console.log(line(r));
