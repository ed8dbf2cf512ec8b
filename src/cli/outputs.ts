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
import { choiceFlag, intFlag, listFlag, numFlag } from './parse.js';
import { InputError } from '../kernel/errors.js';
import { planOutputs, type OutputFiles } from './output-files.node.js';
import { OTLP_FRAMINGS, OTLP_PROTOCOLS, otlpFileFormat, SPAN_EXPORTER_KINDS, parseHeaderFlag, resolveOtlpExport, serviceNameFromEnv, type OtlpFraming, type OtlpProtocol, type SpanExporterKind } from '../telemetry/otlp-config.js';
import { ExitCode, QUIET_HELP } from './io.js';
import { formatSummary } from './summary-format.js';
import { MS_PER_S, msToS, usToS } from '../kernel/units.js';

export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--output <format>', 'stdout format: human or json (blis.metrics/v1) (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--metrics-out <file>', 'write the metrics JSON (blis.metrics/v1) to a file')
    .option('--requests-out <file>', 'write one row per request (.csv or .jsonl): simulated µs of arrival, first token and finish, ttft_us and e2e_us from arrival, preemptions, cached prompt tokens (docs/engine.md, Working a scenario by hand)')
    .option('--otlp-out <file>', 'write one OpenTelemetry trace per request: .pb (OTLP protobuf) or .json/.jsonl (OTLP/JSON lines); add .gz to gzip')
    .option('--otlp-framing <kind>', `framing of a multi-message .pb: varint (protobuf delimited) or u32be (4-byte big-endian length, the Collector file exporter's) (default varint)`, choiceFlag('--otlp-framing', OTLP_FRAMINGS))
    .option('--otlp-endpoint [url]', 'export traces over OTLP, e.g. http://127.0.0.1:4318 (Jaeger, Tempo, a collector); without a URL: OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else localhost')
    .option('--otlp-protocol <p>', `OTLP transport: ${OTLP_PROTOCOLS.join(', ')} (default OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf; grpc goes through the OpenTelemetry SDK)`, choiceFlag('--otlp-protocol', OTLP_PROTOCOLS))
    .option('--otlp-header <k=v>', 'extra header for OTLP export, repeatable (added to OTEL_EXPORTER_OTLP_HEADERS), e.g. --otlp-header x-honeycomb-team=KEY', listFlag())
    .option('--span-exporter <kind>', `native (blis's encoder, fastest) or sdk (the OpenTelemetry JS SDK pipeline and its OTLP exporter) (default native)`, choiceFlag('--span-exporter', SPAN_EXPORTER_KINDS))
    .option('--otlp-best-effort', 'exit 0 even when spans could not be exported (default: exit 4 when any span was lost)')
    .option('--trace-sample <p>', 'head-sample this fraction of requests for tracing (seeded; default 1)', numFlag('--trace-sample'))
    .option('--trace-slowest <n>', 'always trace the n slowest requests by E2E (default 0)', intFlag('--trace-slowest'))
    .option('--trace-epoch <date>', 'wall-clock time of simulated time 0, ISO date (UTC unless it names a zone) or ns (default 2026-01-01T00:00:00Z)')
    .option('--trace-token-every <n>', 'a decode span event every n output tokens (default: first token only)', intFlag('--trace-token-every'))
    .option('--trace-instant-phases <mode>', 'a phase that took no simulated time: event (on the root span, default) or span (zero-length child)', choiceFlag('--trace-instant-phases', ['event', 'span']))
    .option('--service-name <name>', 'service.name resource attribute of exported traces (default blis-sim)')
    .option('--quiet', QUIET_HELP);
}

/** Flags that only shape exported traces: without --otlp-out or --otlp-endpoint they would do nothing. */
const TRACE_SHAPE_FLAGS: ReadonlyArray<readonly [flag: string, attribute: string]> = [
  ['--trace-sample', 'traceSample'], ['--trace-slowest', 'traceSlowest'], ['--trace-epoch', 'traceEpoch'], ['--trace-token-every', 'traceTokenEvery'],
  ['--trace-instant-phases', 'traceInstantPhases'], ['--service-name', 'serviceName'], ['--otlp-best-effort', 'otlpBestEffort'],
];

/** Exit code of a run whose outputs were written but whose span export lost spans (docs/telemetry.md). */
export const EXIT_SPANS_LOST = 4;
/** The options that name files a simulating command writes. */
const OUTPUT_FILE_FLAGS: ReadonlyArray<readonly [attribute: string, flag: string]> = [
  ['metricsOut', '--metrics-out'], ['requestsOut', '--requests-out'], ['otlpOut', '--otlp-out'], ['timelineOut', '--timeline-out'],
];

/** The output files run/replay will write, checked against `inputs` and every file-naming option before the run. */
export function planRunOutputs(cmd: Command, io: CliIO, inputs: readonly string[] = []): OutputFiles {
  const o = cmd.opts<Record<string, unknown>>();
  const outputs: Array<readonly [string, string]> = [];
  for (const [attr, flag] of OUTPUT_FILE_FLAGS) if (typeof o[attr] === 'string') outputs.push([flag, o[attr]]);
  // Their formats come from their names: checked here, on the names given, before a sink opens a temporary sibling.
  if (typeof o['otlpOut'] === 'string') otlpFileFormat(resolvePath(io.cwd, o['otlpOut']));
  // A name with no extension (/dev/stdout, a pipe) is written as CSV; another extension is a mistake, not CSV.
  const requestsOut = o['requestsOut'];
  if (typeof requestsOut === 'string' && /\.[^./\\]+$/.test(requestsOut) && !/\.(csv|jsonl?)$/i.test(requestsOut)) {
    throw new InputError('FLAG_OUT_OF_RANGE', '--requests-out', `'${requestsOut}': expected a .csv or .jsonl file name (.json is written as JSON Lines; a name without an extension as CSV)`);
  }
  return planOutputs(cmd, io.cwd, inputs, outputs);
}

export interface OutputSinks {
  readonly sinks: RecordSink[];
  /** Per-request detail the trace sinks need (chunks, preemptions, every Nth token). */
  readonly detail: { readonly enabled: boolean; readonly tokenEvery: number };
  /** Awaited between arrival batches so asynchronous exporters drain. */
  readonly pace?: () => Promise<void>;
  /** Flushes everything; resolves to the spans lost on the way (failed or dropped). */
  close(): Promise<{ readonly lostSpans: number }>;
}

/** After the results are printed: a run that lost spans fails unless --otlp-best-effort. */
export function failIfSpansLost(cmd: Command, outcome: { readonly lostSpans: number }): void {
  if (outcome.lostSpans === 0 || cmd.opts<Record<string, unknown>>()['otlpBestEffort'] === true) return;
  throw new ExitCode(EXIT_SPANS_LOST, `${outcome.lostSpans} spans were not exported (causes above); --otlp-best-effort accepts the loss`);
}

/** Request files and trace sinks as the flags ask; `config` feeds the traces' resource attributes. */
export async function createRequestSinks(cmd: Command, io: CliIO, files: OutputFiles, config: Record<string, unknown> = {}): Promise<OutputSinks> {
  const o = cmd.opts<Record<string, unknown>>();
  const env = io.env ?? {};
  const sinks: RecordSink[] = [];
  const closers: Array<() => void | Promise<number>> = [];
  let detail = { enabled: false, tokenEvery: 1 };
  let pace: (() => Promise<void>) | undefined;
  const otlpOut = typeof o['otlpOut'] === 'string' ? resolvePath(io.cwd, o['otlpOut']) : undefined;
  const endpointFlag = o['otlpEndpoint'];
  const wantsEndpoint = typeof endpointFlag === 'string' || endpointFlag === true;
  for (const [flag, key] of [['--otlp-protocol', 'otlpProtocol'], ['--otlp-header', 'otlpHeader'], ['--span-exporter', 'spanExporter']] as const) {
    if (o[key] !== undefined && !wantsEndpoint) throw new InputError('FLAG_CONFLICT', flag, 'needs --otlp-endpoint (it configures network export)');
  }
  if (o['otlpFraming'] !== undefined && otlpOut === undefined) throw new InputError('FLAG_CONFLICT', '--otlp-framing', 'needs --otlp-out FILE.pb');
  if (otlpOut === undefined && !wantsEndpoint) {
    for (const [flag, key] of TRACE_SHAPE_FLAGS) {
      if (o[key] !== undefined) throw new InputError('FLAG_CONFLICT', flag, 'needs --otlp-out FILE or --otlp-endpoint (it shapes the exported traces, and none are exported)');
    }
  }
  if (otlpOut !== undefined || wantsEndpoint) {
    // The span pipeline (OpenTelemetry SDK, protobufjs, encoders) loads only for runs that export traces.
    const { resolveTelemetry } = await import('../telemetry/options.js');
    const { lostSpans } = await import('../telemetry/sink.js');
    const { formatTraceSummary, openTraceSink } = await import('../telemetry/sinks.node.js');
    const summary: Record<string, string | number | boolean | undefined> = {};
    for (const [k, v] of Object.entries(config)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') summary[k] = v;
    const serviceName = typeof o['serviceName'] === 'string' ? o['serviceName'] : serviceNameFromEnv(env);
    const telemetry = resolveTelemetry({
      ...(serviceName !== undefined ? { serviceName } : {}),
      ...(typeof o['seed'] === 'number' ? { seed: o['seed'] } : {}),
      ...(typeof o['traceEpoch'] === 'string' ? { traceEpoch: o['traceEpoch'] } : {}),
      ...(typeof o['traceSample'] === 'number' ? { traceSample: o['traceSample'] } : {}),
      ...(typeof o['traceSlowest'] === 'number' ? { traceSlowest: o['traceSlowest'] } : {}),
      ...(typeof o['traceTokenEvery'] === 'number' ? { traceTokenEvery: o['traceTokenEvery'] } : {}),
      ...(o['traceInstantPhases'] === 'event' || o['traceInstantPhases'] === 'span' ? { instantPhases: o['traceInstantPhases'] } : {}),
      config: summary,
    });
    const endpoint = wantsEndpoint ? resolveOtlpExport({
      endpoint: typeof endpointFlag === 'string' ? endpointFlag : true,
      ...(typeof o['otlpProtocol'] === 'string' ? { protocol: o['otlpProtocol'] as OtlpProtocol } : {}),
      ...(Array.isArray(o['otlpHeader']) ? { headers: parseHeaderFlag(o['otlpHeader'] as string[]) } : {}),
    }, env) : undefined;
    const quiet = o['quiet'] === true;
    const sink = await openTraceSink({
      ...(otlpOut ? { otlpOut: files.writePathFor(otlpOut) } : {}),
      ...(typeof o['otlpFraming'] === 'string' ? { framing: o['otlpFraming'] as OtlpFraming } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(typeof o['spanExporter'] === 'string' ? { spanExporter: o['spanExporter'] as SpanExporterKind } : {}),
      http: {
        onProgress: (p) => {
          if (quiet) return;
          io.err(`blis: otlp ${p.destination}: flushing, ${p.sentSpans} spans sent, ${p.pendingSpans} pending, ${p.failedSpans} failed, ${p.retries} retries${p.lastCause ? ` (last error: ${p.lastCause})` : ''}\n`);
        },
      },
    }, telemetry);
    if (sink) {
      detail = { enabled: true, tokenEvery: telemetry.traceTokenEvery };
      sinks.push({ add: (r, req) => sink.add(r, req) });
      // Between arrival batches: network sinks send (export overlaps the simulation) and apply backpressure.
      pace = () => sink.drain();
      closers.push(async () => {
        let lost = 0;
        // The file sink writes the planned temporary file: name the file the user asked for.
        for (const s of await sink.close()) {
          const named = otlpOut !== undefined && s.destination === files.writePathFor(otlpOut) ? { ...s, destination: otlpOut } : s;
          lost += lostSpans(named);
          if (!quiet || lostSpans(named) > 0) io.err(`blis: ${formatTraceSummary(named)}\n`);
        }
        return lost;
      });
    }
  }
  if (typeof o['requestsOut'] === 'string') {
    const path = resolvePath(io.cwd, o['requestsOut']);
    const w = new BufferedFileWriter(files.writePathFor(path), path);
    const jsonl = /\.jsonl?$/i.test(path);
    if (!jsonl) w.write(csvHeader());
    sinks.push({ add: (r, req) => w.write(jsonl ? recordJsonLine(r, req) : recordCsvLine(r, req)) });
    closers.push(() => w.close());
  }
  return {
    sinks,
    detail,
    ...(pace ? { pace } : {}),
    close: async () => {
      let lost = 0;
      for (const c of closers) lost += (await c()) ?? 0;
      return { lostSpans: lost };
    },
  };
}

export function emitMetrics(cmd: Command, io: CliIO, files: OutputFiles, doc: MetricsDocument): void {
  const o = cmd.opts<Record<string, unknown>>();
  const stalled = doc['stalled'] as { at_s: number; last_progress_s: number; requests: number } | undefined;
  if (stalled !== undefined) {
    io.err(`blis: warning: the simulation stalled: from ${stalled.last_progress_s} s to ${stalled.at_s} s nothing but scrapes and control decisions happened; `
      + `${stalled.requests} requests could make no progress and are reported unfinished (reason stalled).\n`);
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
      if (now - start < MS_PER_S || now - last < MS_PER_S) return;
      last = now;
      printed = true;
      const of = total !== null ? `/${total}` : '';
      const line = `blis: simulated ${usToS(p.simulatedUs).toFixed(1)} s, ${p.finished}${of} requests done (${msToS(now - start).toFixed(1)} s wall)`;
      io.err(io.errIsTTY ? `\r${line}` : `${line}\n`);
    },
    done: (extra) => {
      if (quiet) return;
      const wall = msToS(Date.now() - start);
      if (printed && io.errIsTTY) io.err('\n');
      io.err(`blis: done in ${wall.toFixed(2)} s wall${extra ? `, ${extra}` : ''}\n`);
    },
  };
}
