// One benchmark case in its own process: runs the CLI in-process with output discarded and
// prints {wall_s, max_rss_mb, injected} as JSON (peak RSS is per process, so one case each).
import { main } from '../dist/cli/blis.mjs';

const argv = process.argv.slice(2);
let out = '';
const io = { out: (s) => { out += s; }, err: () => {}, cwd: process.cwd(), errIsTTY: false };
const t0 = process.hrtime.bigint();
const code = await main(argv, io);
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
let injected = null;
try { injected = JSON.parse(out).requests?.injected ?? null; } catch { /* not JSON */ }
process.stdout.write(JSON.stringify({ code, wall_s: wall, max_rss_mb: process.resourceUsage().maxRSS / 1024, injected }) + '\n');
