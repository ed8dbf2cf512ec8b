// One benchmark case in its own process: runs the shipped CLI bundle in-process, loaded as
// bin/blis.js loads it (V8's code cache, src/cli/code-cache.node.ts), with output discarded, and
// prints {code, user_s, sys_s, wall_s, max_rss_mb, injected} as JSON. CPU times are the whole
// process's (start-up included, as `time blis ...` would report); peak RSS is per process, so one
// case each. CommonJS, like bin/blis.js, so start-up is measured as a user meets it.
// `--bench-warm N` (the first argument) then runs the same command N more times in the process
// and adds warm_wall_s, the least of those runs' wall times: the simulation once V8 has compiled
// it (what a sweep's worker, which serves many configurations, pays per run).
'use strict';
const { join } = require('node:path');

const t0 = process.hrtime.bigint();
const { loadCli } = require('../dist/cli/code-cache.cjs');
const { cli } = loadCli(join(__dirname, '..', 'dist', 'cli', 'blis.cjs'));
let argv = process.argv.slice(2);
let warm = 0;
if (argv[0] === '--bench-warm') {
  warm = Number(argv[1]);
  argv = argv.slice(2);
}
let out = '';
const io = { out: (s) => { out += s; }, err: () => {}, cwd: process.cwd(), errIsTTY: false };
cli.main(argv, io).then(async (code) => {
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let injected = null;
  try { injected = JSON.parse(out).requests?.injected ?? null; } catch { /* not JSON */ }
  const u = process.resourceUsage();
  let warmWall = null;
  for (let k = 0; k < warm; k++) {
    const t = process.hrtime.bigint();
    await cli.main(argv, { ...io, out: () => {} });
    const w = Number(process.hrtime.bigint() - t) / 1e9;
    if (warmWall === null || w < warmWall) warmWall = w;
  }
  process.stdout.write(JSON.stringify({ code, user_s: u.userCPUTime / 1e6, sys_s: u.systemCPUTime / 1e6, wall_s: wall, max_rss_mb: u.maxRSS / 1024, injected, warm_wall_s: warmWall }) + '\n');
});
