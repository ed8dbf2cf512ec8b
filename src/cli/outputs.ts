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
import { BufferedFileWriter, resolvePath, writeTextTo } from './files.node.js';
import type { CliIO } from './io.js';
import { planOutputs, type OutputFiles } from './output-files.node.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';
import { resolveTelemetry } from '../telemetry/options.js';
import { formatTraceSummary, openTraceSink } from '../telemetry/sinks.node.js';
import { formatSummary } from './summary-format.js';

export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--output <format>', 'stdout format: human or json (blis.metrics/v1) (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--metrics-out <file>', 'write the metrics JSON (blis.metrics/v1) to a file')
    .option('--requests-out <file>', 'write one row per request (.csv or .jsonl)')
    .option('--otlp-out <file>', 'write one OpenTelemetry trace per request: .pb (OTLP protobuf) or .json (OTLP/JSON lines)')
    .option('--otlp-endpoint <url>', 'export traces over OTLP/HTTP protobuf, e.g. http://127.0.0.1:4318 (Jaeger, Tempo, a collector)')
    .option('--trace-sample <p>', 'head-sample this fraction of requests for tracing (seeded; default 1)', numFlag('--trace-sample'))
    .option('--trace-slowest <n>', 'always trace the n slowest requests by E2E (default 0)', intFlag('--trace-slowest'))
    .option('--trace-epoch <date>', 'wall-clock time of simulated time 0, ISO date or ns (default 2026-01-01T00:00:00Z)')
    .option('--trace-token-every <n>', 'a decode span event every n output tokens (default: first token only)', intFlag('--trace-token-every'))
    .option('--service-name <name>', 'service.name resource attribute of exported traces (default blis-sim)')
    .option('--quiet', 'no progress on stderr');
}

/** The options that name files a simulating command writes. */
const OUTPUT_FILE_FLAGS: ReadonlyArray<readonly [attribute: string, flag: string]> = [
  ['metricsOut', '--metrics-out'], ['requestsOut', '--requests-out'], ['otlpOut', '--otlp-out'], ['timelineOut', '--timeline-out'],
];

/** The output files run/replay will write, checked against `inputs` and every file-naming option before the run. */
export function planRunOutputs(cmd: Command, io: CliIO, inputs: readonly string[] = []): OutputFiles {
  const o = cmd.opts<Record<string, unknown>>();
  const outputs: Array<readonly [string, string]> = [];
  for (const [attr, flag] of OUTPUT_FILE_FLAGS) if (typeof o[attr] === 'string') outputs.push([flag, o[attr]]);
  return planOutputs(cmd, io.cwd, inputs, outputs);
}

export interface OutputSinks {
  readonly sinks: RecordSink[];
  /** Per-request detail the trace sinks need (chunks, preemptions, every Nth token). */
  readonly detail: { readonly enabled: boolean; readonly tokenEvery: number };
  /** Awaited between arrival batches so asynchronous exporters drain. */
  readonly pace?: () => Promise<void>;
  close(): Promise<void>;
}

/** Request files and trace sinks as the flags ask; `config` feeds the traces' resource attributes. */
export function createRequestSinks(cmd: Command, io: CliIO, files: OutputFiles, config: Record<string, unknown> = {}): OutputSinks {
  const o = cmd.opts<Record<string, unknown>>();
  const sinks: RecordSink[] = [];
  const closers: Array<() => void | Promise<void>> = [];
  let detail = { enabled: false, tokenEvery: 1 };
  let pace: (() => Promise<void>) | undefined;
  const otlpOut = typeof o['otlpOut'] === 'string' ? resolvePath(io.cwd, o['otlpOut']) : undefined;
  const otlpEndpoint = typeof o['otlpEndpoint'] === 'string' ? o['otlpEndpoint'] : undefined;
  if (otlpOut !== undefined || otlpEndpoint !== undefined) {
    const summary: Record<string, string | number | boolean | undefined> = {};
    for (const [k, v] of Object.entries(config)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') summary[k] = v;
    const telemetry = resolveTelemetry({
      ...(typeof o['serviceName'] === 'string' ? { serviceName: o['serviceName'] } : {}),
      ...(typeof o['seed'] === 'number' ? { seed: o['seed'] } : {}),
      ...(typeof o['traceEpoch'] === 'string' ? { traceEpoch: o['traceEpoch'] } : {}),
      ...(typeof o['traceSample'] === 'number' ? { traceSample: o['traceSample'] } : {}),
      ...(typeof o['traceSlowest'] === 'number' ? { traceSlowest: o['traceSlowest'] } : {}),
      ...(typeof o['traceTokenEvery'] === 'number' ? { traceTokenEvery: o['traceTokenEvery'] } : {}),
      config: summary,
    });
    const sink = openTraceSink({ ...(otlpOut ? { otlpOut: files.writePathFor(otlpOut) } : {}), ...(otlpEndpoint ? { otlpEndpoint } : {}) }, telemetry);
    if (sink) {
      detail = { enabled: true, tokenEvery: telemetry.traceTokenEvery };
      sinks.push({ add: (r, req) => sink.add(r, req) });
      pace = () => sink.drain();
      closers.push(async () => {
        // The file sink writes the planned temporary file: name the file the user asked for.
        for (const s of await sink.close()) {
          const named = otlpOut !== undefined && s.destination === files.writePathFor(otlpOut) ? { ...s, destination: otlpOut } : s;
          io.err(`blis: ${formatTraceSummary(named)}\n`);
        }
      });
    }
  }
  if (typeof o['requestsOut'] === 'string') {
    const path = resolvePath(io.cwd, o['requestsOut']);
    const w = new BufferedFileWriter(files.writePathFor(path), path);
    const jsonl = /\.jsonl?$/i.test(path);
    if (!jsonl) w.write(csvHeader());
    sinks.push({ add: (r) => w.write(jsonl ? recordJsonLine(r) : recordCsvLine(r)) });
    closers.push(() => w.close());
  }
  return {
    sinks,
    detail,
    ...(pace ? { pace } : {}),
    close: async () => { for (const c of closers) await c(); },
  };
}

export function emitMetrics(cmd: Command, io: CliIO, files: OutputFiles, doc: MetricsDocument): void {
  const o = cmd.opts<Record<string, unknown>>();
  const stalled = doc['stalled'] as { at_s: number; last_progress_s: number; requests: number } | undefined;
  if (stalled !== undefined) {
    io.err(`blis: warning: the simulation stalled: from ${stalled.last_progress_s} s to ${stalled.at_s} s nothing but scrapes and control decisions happened; `
      + `${stalled.requests} requests could make no progress and are reported unfinished (reason stalled). A decode instance's KV cache too small for its queue does this (vLLM's head-of-line rule).\n`);
  }
  const json = JSON.stringify(doc, null, 2) + '\n';
  if (typeof o['metricsOut'] === 'string') {
    const path = resolvePath(io.cwd, o['metricsOut']);
    writeTextTo(files.writePathFor(path), json, path);
  }
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
