/** `blis convert IN --to OUT`: turn a trace from one format into another. */
import type { Command } from 'commander';
import { convertOutputPaths, convertTrace } from '../ingest/convert.node.js';
import { traceFiles } from '../ingest/open.node.js';
import { BUILTIN_WRITERS } from '../ingest/writers/registry.js';
import { InputError } from '../kernel/errors.js';
import { resolvePath } from './files.node.js';
import { QUIET_HELP, note, type CliIO } from './io.js';
import { addIngestFlags, failIfNothingLeft, ingestOptionsFromFlags, printIngestSummary } from './ingest-flags.js';
import { planOutputs } from './output-files.node.js';
import { intFlag, seedFlag } from './parse.js';

/** 2100-01-01T00:00:00Z in µs since the Unix epoch: far below 2^53, so epoch + arrival stays exact. */
const MAX_EPOCH_US = 4_102_444_800_000_000;

const EXAMPLES = `
Examples:
  blis convert traces/azure2023-conv.relative.head300.csv --to arrivals.csv
  blis convert traces/mooncake-conversation-head300.jsonl --to arrivals.jsonl
  blis convert arrivals.csv --to run.trace_header.yaml        # BLIS TraceV2 (header + data CSV)
  blis convert traces/burstgpt1-rows0001-0200.csv --to out.csv --speedup 10 --limit 100
`;

export function registerConvert(program: Command, io: CliIO): void {
  const cmd = program.command('convert')
    .description('turn a trace from one format into another (arrival CSV/JSONL, TraceV2)')
    .argument('<input>', 'trace file (any format blis replay reads)')
    .option('--to <file>', 'output file; the format follows the extension (.csv, .tsv, .jsonl, .trace_header.yaml)')
    .option('--to-format <name>', `output format: ${BUILTIN_WRITERS.map((w) => w.name).join(', ')} (default: from the extension)`)
    .option('--epoch-us <us>', 'absolute time of arrival 0 for formats that need one (TraceV2 send times)', intFlag('--epoch-us'))
    .option('--max-model-len <tokens>', 'clip requests longer than this (counted)', intFlag('--max-model-len'))
    .option('--seed <n>', 'seed for --sample and --rate-scale (default 0)', seedFlag('--seed'))
    .option('--quiet', QUIET_HELP);
  addIngestFlags(cmd, '--until');
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (input: string) => {
    const o = cmd.opts<Record<string, unknown>>();
    if (typeof o['to'] !== 'string') throw new InputError('FLAG_MISSING', '--to', 'expected an output file, e.g. --to arrivals.csv');
    const seed = typeof o['seed'] === 'number' ? o['seed'] : 0;
    // A Unix time in µs: send times (epoch + arrival) must stay exact integers and dates writable.
    if (typeof o['epochUs'] === 'number' && (o['epochUs'] < 0 || o['epochUs'] > MAX_EPOCH_US)) {
      throw new InputError('FLAG_OUT_OF_RANGE', '--epoch-us', `found ${o['epochUs']}; expected a Unix time in microseconds from 0 to ${MAX_EPOCH_US} (2100-01-01)`);
    }
    const options = {
      ...ingestOptionsFromFlags(cmd, seed, '--until'),
      ...(typeof o['toFormat'] === 'string' ? { toFormat: o['toFormat'] } : {}),
      ...(typeof o['epochUs'] === 'number' ? { epochUs: o['epochUs'] } : {}),
    };
    const inPath = resolvePath(io.cwd, input);
    const outPath = resolvePath(io.cwd, o['to']);
    const targets = convertOutputPaths(outPath, options);
    const files = planOutputs(cmd, io.cwd, await traceFiles(inPath), [
      ...(targets.header !== undefined ? [['--to', targets.header] as const] : []), ['--to', targets.data] as const,
    ]);
    const result = await files.run(() => convertTrace(inPath, outPath, { ...options, writePathFor: (p) => files.writePathFor(p) }));
    const quiet = o['quiet'] === true;
    note(quiet, io, `blis: converted ${result.from} → ${result.to}: ${result.summary.emitted} requests to ${result.files.join(', ')}\n`);
    printIngestSummary(result.summary, quiet, io);
    failIfNothingLeft(result.summary, 'request converted');
  });
}
