/** Flags shared by replay and convert: how a trace file is read and transformed (docs/ingest.md). */
import type { Command } from 'commander';
import { createFormatRegistry, parseColumnMapping, type FormatRegistry } from '../ingest/index.js';
import type { OpenTraceOptions } from '../ingest/open.node.js';
import { describeSummary, type IngestSummary } from '../ingest/issues.js';
import { otlpFormat } from '../telemetry/otlp-format.node.js';
import { InputError } from '../kernel/errors.js';
import { ExitCode, type CliIO } from './io.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';

/** Rows read, always the skipped and adjusted ones (nothing is dropped silently, --quiet or not). */
export function printIngestSummary(s: IngestSummary, quiet: boolean, io: CliIO): void {
  const lines = describeSummary(s);
  const warn = Object.keys(s.skipped).length > 0 || Object.keys(s.adjusted).length > 0 || (s.warnings ?? []).length > 0;
  if (quiet && !warn) return;
  for (const line of lines) io.err(`blis: ${line}\n`);
}

/**
 * Every row skipped or left out by the window (a damaged file, a wrong --format or window): the
 * outputs and the summary above say so, and the exit code too (2). `what`: "request to simulate",
 * "request converted".
 */
export function failIfNothingLeft(s: IngestSummary, what: string): void {
  if (s.emitted > 0 || s.rows === 0) return;
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  throw new ExitCode(2, `no ${what}: ${s.rows} rows read, ${skipped} skipped, ${s.rows - skipped} left out on purpose (see above)`);
}

/** Every ingest format, OTLP included: the one registry the CLI reads through. */
export function formatRegistry(): FormatRegistry {
  return createFormatRegistry([otlpFormat]);
}

/** `windowEnd`: the flag that ends the time window (`--to`, or `--until` where --to names the output). */
export function addIngestFlags(cmd: Command, windowEnd: '--to' | '--until' = '--to'): Command {
  const names = formatRegistry().names();
  return cmd
    .option('--format <name>', `input format: auto (sniff) or one of ${names.join(', ')} (default auto)`)
    .option('--columns <map>', 'column mapping for another CSV/TSV or JSON Lines log (a.b reaches a nested JSON field): arrival=ts,input=prompt_tokens,output=completion_tokens[,ttft=..,e2e=..,first_token=..,end=..,session=..,model=..,id=..,status=..]')
    .option('--time-unit <unit>', 'time unit of a mapped arrival column: ns, us, ms, s or iso (default s)', choiceFlag('--time-unit', ['ns', 'us', 'ms', 's', 'iso']))
    .option('--latency-unit <unit>', 'unit of mapped ttft and e2e columns: ns, us, ms or s (default: the --time-unit; s with iso)', choiceFlag('--latency-unit', ['ns', 'us', 'ms', 's']))
    .option('--from <s>', 'keep arrivals at or after this many seconds (after rebasing)', numFlag('--from'))
    .option(`${windowEnd} <s>`, 'keep arrivals before this many seconds', numFlag(windowEnd))
    .option('--speedup <x>', 'compress time by this factor (2 = twice as fast)', numFlag('--speedup'))
    .option('--rate-scale <x>', 'thin (<1) or duplicate (>1) arrivals, keeping burst structure', numFlag('--rate-scale'))
    .option('--sample <p>', 'keep each request with probability p (seeded)', numFlag('--sample'))
    .option('--limit <n>', 'stop after n requests', intFlag('--limit'))
    .option('--num-requests <n>', 'the same as --limit (the name blis run gives it)', intFlag('--num-requests'))
    .option('--clip <side>', 'with --max-model-len, shorten the output or the input (default output)', choiceFlag('--clip', ['output', 'input']))
    .option('--rebase <mode>', 'shift arrivals so the first is 0: auto, first or none (default auto)', choiceFlag('--rebase', ['auto', 'first', 'none']))
    .option('--reorder-window <n>', 'rows held to fix local disorder before a late row is skipped (default 10000)', intFlag('--reorder-window'))
    .option('--keep-failed', 'keep failed requests (e.g. BurstGPT rows with 0 response tokens, a --columns status of 5xx or failure) instead of skipping them')
    .option('--strict', 'stop at the first malformed row instead of skipping and counting it');
}

export function ingestOptionsFromFlags(cmd: Command, seed: number, windowEnd: '--to' | '--until' = '--to'): OpenTraceOptions {
  const o = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = { registry: formatRegistry(), seed };
  if (typeof o['format'] === 'string' && o['format'] !== 'auto') out['format'] = o['format'];
  if (typeof o['columns'] === 'string') out['columns'] = parseColumnMapping(o['columns'], '--columns');
  const direct: Array<[string, string]> = [
    ['timeUnit', 'timeUnit'], ['latencyUnit', 'latencyUnit'], ['from', 'fromS'], [windowEnd === '--to' ? 'to' : 'until', 'toS'], ['speedup', 'speedup'], ['rateScale', 'rateScale'],
    ['sample', 'sample'], ['limit', 'limit'], ['clip', 'clip'], ['rebase', 'rebase'], ['reorderWindow', 'reorderWindow'],
    ['keepFailed', 'keepFailed'], ['strict', 'strict'], ['maxModelLen', 'maxModelLen'],
  ];
  for (const [flag, key] of direct) if (o[flag] !== undefined) out[key] = o[flag];
  if (o['numRequests'] !== undefined) {
    if (o['limit'] !== undefined && o['limit'] !== o['numRequests']) throw new InputError('FLAG_CONFLICT', '--num-requests', `is another name for --limit; they disagree (${String(o['numRequests'])} and ${String(o['limit'])})`);
    out['limit'] = o['numRequests'];
  }
  if (windowEnd !== '--to') out['toFlag'] = windowEnd;
  return out as OpenTraceOptions;
}
