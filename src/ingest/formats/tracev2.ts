/**
 * BLIS TraceV2 (`blis observe`): a YAML header (`x.trace_header.yaml`: trace_version, time_unit,
 * server, ...) and a CSV (`x.trace_data*.csv`). Rows are in completion order, so the stream is
 * fully sorted by arrival (entry.order = 'completion'). `arrival_time_us` is relative to the
 * workload start; `send/first_chunk/last_chunk_time_us` are absolute, so observed
 * TTFT = first_chunk − send and E2E = last_chunk − send. Time columns are scaled by the header's
 * `time_unit` (us when the header is absent). Rows with `status` other than `ok` are skipped
 * under REQUEST_FAILED unless `keepFailed`.
 * With a `prefix_group`, `input_tokens` counts only the tokens after the shared prefix, so the
 * prompt is `prefix_length + input_tokens` (inference-sim cmd/observe.go RecordRequest and
 * sim/workload/tracev2.go RequestsToTraceRecords since the `prefix_length` column came in,
 * 2026-03; files without that column carry whole prompts and no prefix length).
 * Without a prefix group, a positive `server_input_tokens` (the prompt_tokens vLLM reported: the
 * prompt as the server tokenised it, chat template included) is the prompt, not the requested
 * `input_tokens`, which differ by a few tokens; inference-sim's replay reads the same
 * (sim/workload/replay.go effectiveInputTokenCount at f90a1e3). Counted as SERVER_INPUT_TOKENS
 * where the two differ. A prefixed row whose server count is nearer `input_tokens` than
 * `prefix_length + input_tokens` carries the whole prompt (blis wrote it so before 2026-12-07):
 * INPUT_TOKENS_WHOLE_PROMPT.
 * With the header's `session_context_growth: accumulate` (inference-sim TraceHeader, set by
 * `blis convert otel`), a session's round N > 0 carries in `input_tokens` only what it adds to
 * round N−1's prompt and output: inference-sim's replay appends them to one growing buffer per
 * session (sim/workload/session.go OnComplete at f90a1e3), so the prompt is rebuilt here the
 * same way, row by row (rounds of a session come in order: each is sent after the previous one
 * answered). A round whose previous round is not in the file cannot be rebuilt and is skipped.
 */
import { InputError } from '../../kernel/errors.js';
import { parseYamlFile } from '../../workload/yaml-locator.js';
import { createCsvTableReader, findColumn, headerMatch, requireColumn } from '../csv-core.js';
import { RowError, optionalNumber, parseNumber, parseTokens } from '../fields.js';
import type { FormatEntry, ReaderContext } from '../types.js';
import type { ArrivalRequest, ObservedLatency } from '../../workload/request.js';
import { NS_PER_US, US_PER_MS, US_PER_S } from '../../kernel/units.js';

/**
 * `time_unit` values. inference-sim writes `us` from `blis observe` and `microseconds` from
 * `blis run`/`blis replay --trace-output` (cmd/observe_cmd.go, cmd/root.go, cmd/replay.go at
 * f90a1e3); its reader ignores the field, every time column being µs.
 */
const UNIT_US: Record<string, number> = { us: 1, microseconds: 1, ms: US_PER_MS, s: US_PER_S, ns: 1 / NS_PER_US };

/**
 * Header versions with this CSV schema: inference-sim bumped `trace_version` to 3 when the header
 * gained `goodput_slo_targets` (2026-06, sim/workload/tracev2.go TraceHeader); the data columns
 * did not change, and the added header keys are not needed here.
 */
const VERSIONS: readonly number[] = [2, 3];

export interface TraceV2Header {
  readonly traceVersion: number;
  readonly timeUnit: string;
  /** Session rounds' input_tokens add to the previous round's prompt and output. */
  readonly accumulate: boolean;
  readonly raw: Record<string, unknown>;
}

export function parseTraceV2Header(text: string, where: string): TraceV2Header {
  const doc: unknown = parseYamlFile(text, where, 'TRACEV2_BAD_HEADER').value;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError('TRACEV2_BAD_HEADER', where, 'expected a YAML mapping with trace_version and time_unit');
  }
  const raw = doc as Record<string, unknown>;
  const version = Number(raw['trace_version'] ?? NaN);
  if (!VERSIONS.includes(version)) {
    throw new InputError('TRACEV2_BAD_HEADER', where, `trace_version is ${String(raw['trace_version'])}, expected ${VERSIONS.join(' or ')}`);
  }
  const timeUnit = String(raw['time_unit'] ?? 'us');
  if (UNIT_US[timeUnit] === undefined) {
    throw new InputError('TRACEV2_BAD_HEADER', where, `time_unit '${timeUnit}' unknown; known: ${Object.keys(UNIT_US).join(', ')}`);
  }
  const growth = raw['session_context_growth'];
  // inference-sim refuses any other value too (a typo would silently turn accumulation off).
  if (growth !== undefined && growth !== null && growth !== '' && growth !== 'accumulate') {
    throw new InputError('TRACEV2_BAD_HEADER', where, `session_context_growth '${String(growth)}' unknown; expected accumulate or none`);
  }
  return { traceVersion: version, timeUnit, accumulate: growth === 'accumulate', raw };
}

/** A session's last round under `accumulate`: its number, whole prompt and output. */
interface SessionRound {
  readonly round: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

const REQUIRED = ['request_id', 'arrival_time_us', 'input_tokens', 'output_tokens'] as const;

export const tracev2Format: FormatEntry = {
  name: 'tracev2',
  describe: 'BLIS TraceV2: x.trace_header.yaml + x.trace_data*.csv (rows in completion order)',
  timeBase: 'relative',
  order: 'completion',
  options: { keepFailed: "keep rows whose status is not 'ok' (default false)", traceHeader: 'text of the sibling trace_header.yaml (found by the file opener)' },
  sniff: ({ head }) => {
    if (/^\s*trace_version:\s*[23]\b/m.test(head.slice(0, 2000)) && /^\s*time_unit:/m.test(head)) return 0.9;
    return headerMatch(head, [...REQUIRED, 'send_time_us', 'first_chunk_time_us', 'last_chunk_time_us']) === 1 ? 0.97 : 0;
  },
  create: (ctx: ReaderContext, options) => {
    const header = options.traceHeader !== undefined ? parseTraceV2Header(options.traceHeader, `${ctx.source} (header)`) : undefined;
    const k = UNIT_US[header?.timeUnit ?? 'us']!;
    const keepFailed = options.keepFailed === true;
    /** Under `accumulate`: each session's latest round read (undefined when not accumulating). */
    const rounds = header?.accumulate === true ? new Map<string, SessionRound>() : undefined;
    return createCsvTableReader(ctx, (cols, where) => {
      const [id, t, i, o] = REQUIRED.map((c) => requireColumn(cols, c, where)) as [number, number, number, number];
      const col = (name: string): number => findColumn(cols, name);
      const send = col('send_time_us'), first = col('first_chunk_time_us'), last = col('last_chunk_time_us');
      const session = col('session_id'), round = col('round_index'), group = col('prefix_group'), plen = col('prefix_length');
      const model = col('model'), tenant = col('tenant_id'), slo = col('slo_class'), prio = col('vllm_priority'), status = col('status');
      const server = col('server_input_tokens'), streaming = col('streaming');
      const text = (c: number, row: string[]): string | undefined => (c >= 0 && row[c] !== '' ? row[c] : undefined);
      /**
       * A row's prompt. `effective` is inference-sim's effectiveInputTokenCount (replay.go): the
       * server's count without a prefix group, else input_tokens; a round's addition under accumulate.
       */
      const promptOf = (row: string[]): { g?: string; prefixTokens: number; requested: number; served: number; whole: boolean; prompt: number; effective: number } => {
        const g = text(group, row);
        const prefixTokens = g !== undefined && plen >= 0 ? parseTokens(row[plen], 'prefix_length') : 0;
        // The server's count of the whole prompt (0 or blank: not recorded, as in generated traces).
        const serverCount = text(server, row) !== undefined ? parseTokens(row[server], 'server_input_tokens') : 0;
        const requested = parseTokens(row[i], 'input_tokens');
        const served = g === undefined ? serverCount : 0;
        // blis before 2026-12-07 wrote the whole prompt as input_tokens beside a prefix group, and the
        // same count as server_input_tokens: where the server's count says so, it is the whole prompt.
        const whole = g !== undefined && serverCount > 0 && prefixTokens > 0 && Math.abs(serverCount - requested) < Math.abs(serverCount - prefixTokens - requested);
        const prompt = served > 0 ? served : whole ? requested : prefixTokens + requested;
        return { ...(g !== undefined ? { g } : {}), prefixTokens, requested, served, whole, prompt, effective: served > 0 ? served : requested };
      };
      /** The whole prompt of a session round under `accumulate` (round 0: its own prompt). */
      const accumulated = (sessionId: string, own: { prompt: number; effective: number }, outputTokens: number, row: string[]): number => {
        const r = optionalNumber(row[round], 'round_index') ?? 0;
        const prev = rounds!.get(sessionId);
        let promptTokens = own.prompt;
        if (r > 0) {
          if (prev === undefined || prev.round !== r - 1) {
            rounds!.delete(sessionId);
            throw new RowError('TRACEV2_ACCUMULATE_NO_PREVIOUS', `session ${sessionId} round ${r}: its input_tokens add to round ${r - 1}, which ${prev === undefined ? 'is not in the file before it' : `is not the last one read (round ${prev.round})`}`);
          }
          promptTokens = prev.promptTokens + prev.outputTokens + own.effective;
        }
        rounds!.set(sessionId, { round: r, promptTokens, outputTokens });
        return promptTokens;
      };
      return (row, line) => {
        // Under accumulate a failed round still adds to the next round's prompt: rebuild it first.
        const s0 = rounds !== undefined ? text(session, row) : undefined;
        const own = s0 !== undefined ? promptOf(row) : undefined;
        const accumulatedPrompt = s0 !== undefined ? accumulated(s0, own!, parseTokens(row[o], 'output_tokens'), row) : undefined;
        const st = text(status, row);
        if (st !== undefined && st !== 'ok') {
          if (!keepFailed) {
            ctx.skip('REQUEST_FAILED', line, `status is '${st}'`);
            return;
          }
          ctx.note('REQUEST_FAILED_KEPT');
        }
        const sendUs = send >= 0 ? optionalNumber(row[send], 'send_time_us') : undefined;
        const firstUs = first >= 0 ? optionalNumber(row[first], 'first_chunk_time_us') : undefined;
        const lastUs = last >= 0 ? optionalNumber(row[last], 'last_chunk_time_us') : undefined;
        const arrival = parseNumber(row[t], 'arrival_time_us');
        // Traces from blis run/replay write send = arrival on the workload clock, so the first request is
        // sent at 0; chunk times of 0 mean no token came (inference-sim RequestsToTraceRecords).
        const sent = sendUs !== undefined && (sendUs > 0 || (sendUs === 0 && arrival === 0));
        let observed: ObservedLatency | undefined;
        if (sent) {
          // A non-streamed response comes in one chunk: first_chunk − send is its E2E, not a TTFT
          // (inference-sim's calibration notes: comparing it with a simulated TTFT is wrong).
          const streamed = text(streaming, row)?.toLowerCase() !== 'false';
          const ttftUs = streamed && firstUs !== undefined && firstUs > 0 ? Math.round((firstUs - sendUs) * k) : undefined;
          const e2eUs = lastUs !== undefined && lastUs > 0 ? Math.round((lastUs - sendUs) * k) : undefined;
          if (ttftUs !== undefined || e2eUs !== undefined) {
            observed = { ...(ttftUs !== undefined ? { ttftUs } : {}), ...(e2eUs !== undefined ? { e2eUs } : {}) };
          }
        }
        const { g, prefixTokens, requested, served, whole, prompt } = own ?? promptOf(row);
        if (served > 0 && served !== requested) ctx.note('SERVER_INPUT_TOKENS');
        if (whole) ctx.note('INPUT_TOKENS_WHOLE_PROMPT');
        if (accumulatedPrompt !== undefined && accumulatedPrompt !== prompt) ctx.note('TRACEV2_ACCUMULATED_INPUT');
        const s = text(session, row), m = text(model, row), tn = text(tenant, row), sc = text(slo, row);
        const r = round >= 0 ? optionalNumber(row[round], 'round_index') : undefined;
        const p = prio >= 0 ? optionalNumber(row[prio], 'vllm_priority') : undefined;
        const request: ArrivalRequest = {
          id: row[id] || `r${line}`,
          arrivalUs: Math.round(arrival * k),
          inputTokens: accumulatedPrompt ?? prompt,
          outputTokens: parseTokens(row[o], 'output_tokens'),
          ...(g !== undefined ? { prefix: { group: g, tokens: prefixTokens } } : {}),
          ...(s !== undefined ? { sessionId: s } : {}),
          ...(s !== undefined && r !== undefined ? { turn: r } : {}),
          ...(m !== undefined ? { model: m } : {}),
          ...(tn !== undefined ? { tenant: tn } : {}),
          ...(sc !== undefined ? { sloClass: sc } : {}),
          ...(p !== undefined ? { priority: p } : {}),
          ...(observed !== undefined ? { observed } : {}),
        };
        ctx.emit(request);
      };
    }, options.delimiter);
  },
};
