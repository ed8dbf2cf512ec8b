/** `blis report RUN.json...`: runs' metrics side by side as a self-contained HTML page (cluster comparison). */
import type { Command } from 'commander';
import type { MetricsDocument } from '../cluster/metrics.js';
import { renderClusterComparison } from '../report/cluster-html.js';
import { InputError } from '../kernel/errors.js';
import { readJson, resolvePath, writeText } from './files.node.js';
import { QUIET_HELP, note, type CliIO } from './io.js';

const EXAMPLES = `
Examples:
  blis run --routing-policy round-robin --num-instances 8 --tp 2 --rate 50 --metrics-out rr.json
  blis run --routing-policy weighted --routing-scorers prefix-affinity:2,queue-depth:1 --num-instances 8 --tp 2 --rate 50 --metrics-out pa.json
  blis report rr.json pa.json --out comparison.html
  blis report round-robin=rr.json prefix-aware=pa.json --out comparison.html --title "chatbot at 50 req/s"
`;

/**
 * Each argument's label: `label=FILE` as given, else the file's name without `.json`, or the
 * path as given when two files share a name (h100/metrics.json and a100/metrics.json were both
 * "metrics", so the page could not tell its rows and bars apart). Labels given twice, or the
 * same file twice, are refused: the page names the best run by label.
 */
function labelRuns(runs: readonly string[]): Array<{ arg: string; label: string; file: string }> {
  const parsed = runs.map((arg) => {
    const eq = arg.indexOf('=');
    const file = eq > 0 ? arg.slice(eq + 1) : arg;
    return { arg, file, given: eq > 0 ? arg.slice(0, eq) : null, name: file.replace(/^.*\//, '').replace(/\.(metrics\.)?json$/i, '') };
  });
  const nameCount = new Map<string, number>();
  for (const p of parsed) if (p.given === null) nameCount.set(p.name, (nameCount.get(p.name) ?? 0) + 1);
  const labelled = parsed.map((p) => ({ arg: p.arg, file: p.file, label: p.given ?? (nameCount.get(p.name)! > 1 ? p.file.replace(/\.(metrics\.)?json$/i, '') : p.name) }));
  const seen = new Map<string, string>();
  for (const l of labelled) {
    const other = seen.get(l.label);
    if (other !== undefined) throw new InputError('REPORT_DUPLICATE_LABEL', l.arg, `label '${l.label}' is also ${other}'s; expected one label per run (give one as label=FILE)`);
    seen.set(l.label, l.arg);
  }
  return labelled;
}

export function registerReport(program: Command, io: CliIO): void {
  const cmd = program.command('report')
    .description('compare runs side by side (latency percentiles, prefix-hit rate, throughput) as a self-contained HTML page')
    .argument('<runs...>', 'metrics JSON files (blis.metrics/v1, from --metrics-out or --output json), optionally label=FILE')
    .requiredOption('--out <file>', 'the HTML page to write')
    .option('--title <text>', 'page title')
    .option('--quiet', QUIET_HELP);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((runs: string[]) => {
    const o = cmd.opts<Record<string, unknown>>();
    const out = resolvePath(io.cwd, o['out'] as string);
    const read = new Map<string, string>();
    const compared = labelRuns(runs).map(({ arg, label, file }) => {
      const path = resolvePath(io.cwd, file);
      if (path === out) throw new InputError('OUTPUT_IS_INPUT', '--out', `${out} is one of the runs read; writing it would destroy it: choose another file`);
      // The same file under two spellings (m.json, ./m.json) would be two identical rows.
      const earlier = read.get(path);
      if (earlier !== undefined) throw new InputError('REPORT_DUPLICATE_RUN', arg, `${path} is also ${earlier}; expected each run once`);
      read.set(path, arg);
      return { label, source: path, metrics: readJson(path, 'metrics file') as MetricsDocument };
    });
    writeText(out, renderClusterComparison(compared, typeof o['title'] === 'string' ? o['title'] : undefined));
    note(o['quiet'] === true, io, `blis: wrote ${out} (${compared.length} runs)\n`);
  });
}
