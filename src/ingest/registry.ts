/**
 * The format registry: the one place a format name exists. Built-in entries come from
 * formats/; entries defined elsewhere (the OTLP reader in src/telemetry) are added with
 * register(). Sniffing routes `.pb` files and OTLP/JSON (`resourceSpans`) to the name 'otlp'
 * even before an entry of that name is registered, so the message can say what is missing.
 */
import { InputError, closeNames } from '../kernel/errors.js';
import { arrivalCsvFormat } from './formats/arrival-csv.js';
import { arrivalJsonlFormat } from './formats/arrival-jsonl.js';
import { azureFormat } from './formats/azure.js';
import { azureVidurFormat } from './formats/azure-vidur.js';
import { burstgptFormat } from './formats/burstgpt.js';
import { calibrationFormat } from './formats/calibration.js';
import { inferencePerfFormat } from './formats/inference-perf.js';
import { mappedCsvFormat } from './formats/mapped-csv.js';
import { mappedJsonlFormat } from './formats/mapped-jsonl.js';
import { mooncakeFormat } from './formats/mooncake.js';
import { tracev2Format } from './formats/tracev2.js';
import { vllmBenchFormat } from './formats/vllm-bench.js';
import type { FormatEntry, SniffInput } from './types.js';

export const BUILTIN_FORMATS: readonly FormatEntry[] = [
  azureFormat,
  azureVidurFormat,
  burstgptFormat,
  mooncakeFormat,
  inferencePerfFormat,
  vllmBenchFormat,
  calibrationFormat,
  tracev2Format,
  arrivalCsvFormat,
  arrivalJsonlFormat,
  mappedCsvFormat,
  mappedJsonlFormat,
];

/** The name sniffing gives OTLP input (protobuf `.pb` or OTLP/JSON). */
export const OTLP_FORMAT = 'otlp';

/** Below this confidence a sniff is not trusted. */
export const MIN_CONFIDENCE = 0.5;

export interface SniffResult {
  readonly name: string;
  readonly confidence: number;
}

export function isOtlp({ head, fileName }: SniffInput): boolean {
  if (/\.(pb|binpb|protobuf)$/i.test(fileName)) return true;
  const h = head.trimStart();
  return (h.startsWith('{') || h.startsWith('[')) && h.slice(0, 4096).includes('"resourceSpans"');
}

/**
 * Text logs people bring that are no request log blis can read, and what to bring instead (said
 * in the FORMAT_UNKNOWN message rather than guessed at).
 */
const UNREADABLE_LOGS: ReadonlyArray<{ readonly line: RegExp; readonly why: string }> = [
  {
    // vLLM vllm/entrypoints/logger.py RequestLogger.log_inputs (--enable-log-requests).
    line: /Received request \S+: prompt: /,
    why: "vLLM's --enable-log-requests lines are not a replayable request log: they hold no output length (only max_tokens), prompt_token_ids cut at --max-log-len and times to the second without a year; replay vLLM's OpenTelemetry spans (--otlp-traces-endpoint) or a gateway's per-request log through --columns instead",
  },
  {
    // Envoy's default access log format: [START_TIME] "METHOD PATH PROTOCOL" RESPONSE_CODE ...
    line: /^\[\d{4}-\d{2}-\d{2}T[^\]]*\] "[A-Z]+ \S+ HTTP\/[\d.]+" \d{3} /,
    why: 'a text access log (Envoy\'s default format) has no token counts and no columns to map; log JSON instead (Envoy json_format, with the token counts in fields) and replay it with --columns',
  },
];

export class FormatRegistry {
  private readonly byName = new Map<string, FormatEntry>();

  constructor(entries: readonly FormatEntry[] = BUILTIN_FORMATS) {
    for (const e of entries) this.register(e);
  }

  register(entry: FormatEntry): void {
    if (this.byName.has(entry.name)) throw new Error(`ingest format '${entry.name}' registered twice`);
    this.byName.set(entry.name, entry);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  entries(): FormatEntry[] {
    return [...this.byName.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The entry for a name; InputError naming close matches otherwise. */
  get(name: string, where = '--format'): FormatEntry {
    const e = this.byName.get(name);
    if (e !== undefined) return e;
    if (name === OTLP_FORMAT) {
      throw new InputError('FORMAT_NOT_AVAILABLE', where, "OTLP input needs the 'otlp' reader, which is not registered in this build");
    }
    const close = closeNames(name, this.names());
    throw new InputError('UNKNOWN_FORMAT', where,
      `unknown format '${name}'; ${close.length > 0 ? `did you mean ${close.join(', ')}? ` : ''}known: ${this.names().join(', ')}`);
  }

  /** Every entry's confidence, best first (OTLP detection first when it fires). */
  sniffAll(input: SniffInput): SniffResult[] {
    const results: SniffResult[] = [];
    if (isOtlp(input)) results.push({ name: OTLP_FORMAT, confidence: 0.99 });
    for (const e of this.byName.values()) {
      if (e.name === OTLP_FORMAT && results.length > 0) continue;
      const confidence = e.sniff(input);
      if (confidence > 0) results.push({ name: e.name, confidence });
    }
    return results.sort((a, b) => b.confidence - a.confidence);
  }

  /** `--format auto`: the most confident format, or an InputError listing what was seen. */
  sniff(input: SniffInput): string {
    if (input.head.trim() === '' && !isOtlp(input)) throw new InputError('EMPTY_INPUT', input.fileName, 'is empty');
    const best = this.sniffAll(input)[0];
    if (best === undefined || best.confidence < MIN_CONFIDENCE) {
      const line = input.head.split('\n', 1)[0]!;
      const first = line.slice(0, 120);
      const known = UNREADABLE_LOGS.find((u) => u.line.test(line));
      if (known !== undefined) throw new InputError('FORMAT_UNKNOWN', input.fileName, `first line '${first}': ${known.why}`);
      throw new InputError('FORMAT_UNKNOWN', input.fileName,
        `cannot tell the trace format from its first line '${first}'; pass --format (one of ${this.names().join(', ')}), or --columns for another CSV or JSON Lines log`);
    }
    return best.name;
  }
}

export function createFormatRegistry(extra: readonly FormatEntry[] = []): FormatRegistry {
  const r = new FormatRegistry();
  for (const e of extra) r.register(e);
  return r;
}
