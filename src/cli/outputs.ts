/**
 * Output flags shared by run and replay: the summary or metrics JSON on stdout, metrics and
 * per-request files, progress on stderr. Wall-clock figures go to stderr only (the metrics JSON
 * must be byte-identical across runs).
 */
import type { Command } from 'commander';
import type { MetricsDocument } from '../cluster/metrics.js';
import { csvHeader, recordCsvLine, recordJsonLine } from '../cluster/record-format.js';
import type { RecordSink } from '../cluster/sink.js';
import type { SimulationProgress } from '../cluster/simulate.js';
import { BufferedFileWriter, resolvePath, writeText } from './files.node.js';
import type { CliIO } from './io.js';
import { choiceFlag } from './parse.js';
import { formatSummary } from './summary-format.js';

export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--output <format>', 'stdout format: human or json (blis.metrics/v1) (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--metrics-out <file>', 'write the metrics JSON (blis.metrics/v1) to a file')
    .option('--requests-out <file>', 'write one row per request (.csv or .jsonl)')
    .option('--quiet', 'no progress on stderr');
}

export interface OutputSinks {
  readonly sinks: RecordSink[];
  close(): void;
}

export function createRequestSinks(cmd: Command, io: CliIO): OutputSinks {
  const o = cmd.opts<Record<string, unknown>>();
  const sinks: RecordSink[] = [];
  const closers: Array<() => void> = [];
  if (typeof o['requestsOut'] === 'string') {
    const path = resolvePath(io.cwd, o['requestsOut']);
    const w = new BufferedFileWriter(path);
    const jsonl = /\.jsonl?$/i.test(path);
    if (!jsonl) w.write(csvHeader());
    sinks.push({ add: (r) => w.write(jsonl ? recordJsonLine(r) : recordCsvLine(r)) });
    closers.push(() => w.close());
  }
  return { sinks, close: () => { for (const c of closers) c(); } };
}

export function emitMetrics(cmd: Command, io: CliIO, doc: MetricsDocument): void {
  const o = cmd.opts<Record<string, unknown>>();
  const json = JSON.stringify(doc, null, 2) + '\n';
  if (typeof o['metricsOut'] === 'string') writeText(resolvePath(io.cwd, o['metricsOut']), json);
  if (o['output'] === 'json') io.out(json);
  else io.out(formatSummary(doc));
}

/** Progress on stderr for runs longer than a second (at most one line a second). */
export function progressReporter(cmd: Command, io: CliIO, total: number | null): { onProgress: (p: SimulationProgress) => void; done: (p?: string) => void } {
  const quiet = cmd.opts<Record<string, unknown>>()['quiet'] === true;
  const start = Date.now();
  let last = start;
  let printed = false;
  return {
    onProgress: (p) => {
      if (quiet) return;
      const now = Date.now();
      if (now - start < 1000 || now - last < 1000) return;
      last = now;
      printed = true;
      const of = total !== null ? `/${total}` : '';
      const line = `blis: simulated ${(p.simulatedUs / 1e6).toFixed(1)} s, ${p.finished}${of} requests done (${((now - start) / 1000).toFixed(1)} s wall)`;
      io.err(io.errIsTTY ? `\r${line}` : `${line}\n`);
    },
    done: (extra) => {
      if (quiet) return;
      const wall = (Date.now() - start) / 1000;
      if (printed && io.errIsTTY) io.err('\n');
      io.err(`blis: done in ${wall.toFixed(2)} s wall${extra ? `, ${extra}` : ''}\n`);
    },
  };
}
