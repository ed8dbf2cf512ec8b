/**
 * Per-request latency rows, the common currency of the comparator: ground truth (calibration
 * per-request CSV, inference-perf lifecycle JSON) and simulation output (RequestRecord[] or the
 * per-request CSV/JSONL `--requests-out` writes) all become `LatencyRow[]`. Pure parsers over
 * text; the CLI reads the files.
 */
import { parse } from 'csv-parse/sync';
import { InputError } from '../kernel/errors.js';
import { e2eUs, ttftUs, type RequestRecord } from '../cluster/record.js';
import { sToUs } from '../kernel/units.js';

export interface LatencyRow {
  readonly index: number;
  readonly stage?: number;
  readonly arrivalUs: number;
  /** Tokens as the source counted them (0 for failed calibration rows). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /**
   * `outputTokens` is the client's re-tokenised count of the text (the calibration CSV's
   * `output_tokens_counted`), not the decoded length: under-counted (calibration README pitfall 2,
   * Llama-2-7B: a mean of 195 against 247 decoded), so no per-token time is derived from it.
   */
  readonly outputTokensCounted?: true;
  /** -1 when the request produced no first token. */
  readonly ttftUs: number;
  /** -1 when unknown. */
  readonly e2eUs: number;
  /**
   * First to last output token, when the source records token times (an inference-perf lifecycle
   * record); its end comes after the last token (the stream's close), and inference-perf's TPOT is
   * (last token − first token)/(output tokens − 1) (reportgen/base.py summarize_requests), as the
   * simulator's is (finish, the last token, − first token). Absent: e2e − ttft.
   */
  readonly decodeUs?: number;
  /** Failed (client timeout, rejection, error): excluded from latency percentiles. */
  readonly error: boolean;
}

/** A JSON object, or an empty one. */
function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The calibration per-request CSV: `index, stage, arrival_us, input_tokens_counted,
 * output_tokens_counted, ttft_us, e2e_us, error`. Error rows (300 s client timeout) have blank
 * TTFT and zero token counts.
 */
export function parseCalibrationRequestsCsv(text: string, fileName: string): LatencyRow[] {
  return parseLatencyTable(text, fileName, 'csv');
}

/**
 * A row's times (`ttft_us`, `e2e_us`, read as numbers) checked before they are scored, on either
 * side: a value that is there but is no number (text, NaN), a negative time or a first token later
 * than the last on a row not marked failed is damage, refused by file, line and column rather than
 * read as a failed request or left out of one distribution while the request counts as a success.
 * A failed row's times may be blank or negative (they are not scored). `strict` (a simulated record file, blis's own format,
 * record-format.ts): a completed request has both times. Otherwise (ground truth) a row may lack
 * its TTFT when it says it succeeded (`error` 0/false or `status` completed): a request sent
 * without streaming, which has an E2E and no first-token time (as in inference-perf's report,
 * reportgen/base.py summarize_requests: TTFT only for streamed requests).
 */
function checkRecordTimes(rec: Record<string, unknown>, ttft: number | undefined, e2e: number | undefined, failed: boolean, statedOk: boolean, strict: boolean, where: string): void {
  for (const [col, read] of [['ttft_us', ttft], ['e2e_us', e2e]] as const) {
    const v = rec[col];
    if (read === undefined && v !== undefined && v !== null && v !== '') throw new InputError('REQUESTS_BAD_VALUE', `${where}: ${col}`, `found ${JSON.stringify(v)}; expected microseconds or blank`);
  }
  if (failed) return;
  for (const [col, v] of [['ttft_us', ttft], ['e2e_us', e2e]] as const) {
    if (v !== undefined && v < 0) throw new InputError('REQUESTS_BAD_VALUE', `${where}: ${col}`, `found ${v} for a request not marked failed; expected microseconds >= 0`);
    if (v === undefined && strict) throw new InputError('REQUESTS_BAD_VALUE', `${where}: ${col}`, 'found nothing for a completed request; expected microseconds >= 0');
  }
  if (statedOk && ttft === undefined && e2e === undefined) throw new InputError('REQUESTS_BAD_VALUE', `${where}: e2e_us`, 'found neither ttft_us nor e2e_us for a request marked successful; expected microseconds >= 0');
  if (ttft !== undefined && e2e !== undefined && ttft > e2e) throw new InputError('REQUESTS_BAD_VALUE', `${where}: ttft_us`, `found ${ttft}, later than e2e_us ${e2e}; a first token comes no later than the last`);
}

/**
 * Per-request records as CSV or JSONL with (at least) `arrival_us` and `e2e_us` or `ttft_us`;
 * optional `stage`, `output_tokens`/`produced_tokens`/`output_tokens_counted`, `input_tokens`,
 * `status` (only `completed` counts as a success) and `error` (1/true: failed).
 */
export function parseLatencyTable(text: string, fileName: string, format: 'csv' | 'jsonl', strict = false, warnings?: string[]): LatencyRow[] {
  // Each record with the file line it ends on (a blank line between rows does not shift it).
  const records: Array<{ rec: Record<string, unknown>; line: number }> = [];
  if (format === 'csv') {
    try {
      for (const r of parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true }) as Array<{ record: Record<string, unknown>; info: { lines: number } }>) {
        records.push({ rec: r.record, line: r.info.lines });
      }
    } catch (e) {
      throw new InputError('REQUESTS_CSV_SYNTAX', fileName, (e as Error).message);
    }
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        rec = undefined;
      }
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new InputError('REQUESTS_JSONL_SYNTAX', `${fileName}:${i + 1}`, 'not a JSON object');
      records.push({ rec: rec as Record<string, unknown>, line: i + 1 });
    });
  }
  const rows: LatencyRow[] = [];
  const ids = new RepeatedIds(fileName);
  records.forEach(({ rec, line }, i) => {
    ids.see(rec['id'] ?? rec['index'], line);
    const arrivalUs = num(rec['arrival_us']);
    if (arrivalUs === undefined) throw new InputError('REQUESTS_MISSING_COLUMN', `${fileName}:${line}`, "missing or non-numeric 'arrival_us'");
    const ttft = num(rec['ttft_us']);
    const e2e = num(rec['e2e_us']);
    if (ttft === undefined && e2e === undefined && rec['error'] === undefined && rec['status'] === undefined) {
      throw new InputError('REQUESTS_MISSING_COLUMN', `${fileName}:${line}`, "needs 'ttft_us' or 'e2e_us'");
    }
    const { failed, ok } = statedOutcome(rec['error'], rec['status']);
    checkRecordTimes(rec, ttft, e2e, failed, ok, strict, `${fileName}:${line}`);
    // Without a stated outcome a row with no TTFT is a failure (the calibration CSV's timeouts).
    const error = failed || (ttft === undefined && !(ok && e2e !== undefined));
    const stage = num(rec['stage']);
    const decoded = num(rec['produced_tokens']) ?? num(rec['output_tokens']);
    const row: LatencyRow = {
      index: num(rec['index']) ?? i,
      arrivalUs,
      inputTokens: num(rec['input_tokens']) ?? num(rec['input_tokens_counted']) ?? 0,
      outputTokens: decoded ?? num(rec['output_tokens_counted']) ?? 0,
      ttftUs: ttft ?? -1,
      e2eUs: e2e ?? -1,
      error,
      ...(stage !== undefined ? { stage } : {}),
      ...(decoded === undefined && num(rec['output_tokens_counted']) !== undefined ? { outputTokensCounted: true as const } : {}),
    };
    rows.push(row);
  });
  const repeated = ids.describe();
  if (repeated !== null) warnings?.push(repeated);
  return rows;
}

/**
 * What a row says of its outcome: `status` (blis's records: only `completed` succeeded) or
 * `error` (blank, 0 or false: succeeded; anything else, a flag or an error message: failed, as
 * the calibration CSV's error=1 rows and inference-perf's error objects). Neither: unstated.
 */
function statedOutcome(err: unknown, status: unknown): { failed: boolean; ok: boolean } {
  const errOk = err === 0 || err === '0' || err === false || err === 'false';
  const errFailed = err !== undefined && err !== null && err !== '' && !errOk;
  const statusFailed = typeof status === 'string' && status !== '' && status !== 'completed';
  const failed = errFailed || statusFailed;
  return { failed, ok: !failed && (errOk || status === 'completed') };
}

/**
 * Request ids (`id`, or a calibration file's `index`) seen more than once in a per-request file:
 * compare pools the rows into distributions (it joins nothing by id), so a repeat is counted
 * twice rather than mismatched: worth a warning (two runs in one file?), not a refusal.
 */
class RepeatedIds {
  private readonly first = new Map<string, number>();
  private count = 0;
  private example = '';

  constructor(private readonly fileName: string) {}

  see(id: unknown, line: number): void {
    if (id === undefined || id === null || id === '') return;
    const key = String(id);
    const at = this.first.get(key);
    if (at === undefined) this.first.set(key, line);
    else if (this.count++ === 0) this.example = `id '${key}' at ${this.fileName}:${line} (first at line ${at})`;
  }

  describe(): string | null {
    return this.count === 0 ? null : `${this.fileName}: ${this.count} row(s) repeat an earlier row's id; the first: ${this.example}. Each row counts in the distributions [DUPLICATE_REQUEST_ID]`;
  }
}

/**
 * inference-perf's `per_request_lifecycle_metrics.json`: an array of `{start_time, end_time,
 * info: {input_tokens, output_tokens, output_token_times[]}, error}` with times in seconds.
 * TTFT is the first output token time minus start; a request sent without streaming has no token
 * times, so only its E2E is known (a success without a TTFT, as in inference-perf's own report). Stages are assigned from `stageStartsUs`
 * (ascending start of each stage, relative to the first request) when given.
 */
export function parseLifecycleJson(json: unknown, fileName: string, stageStartsUs: readonly number[] = []): LatencyRow[] {
  if (!Array.isArray(json)) throw new InputError('LIFECYCLE_NOT_ARRAY', fileName, 'expected a JSON array of per-request lifecycle records');
  const t0 = json.reduce((m: number, r: unknown) => Math.min(m, num((r as Record<string, unknown>)?.['start_time']) ?? Infinity), Infinity);
  return json.map((r: unknown, i: number) => {
    const rec = (r ?? {}) as Record<string, unknown>;
    const start = num(rec['start_time']);
    if (start === undefined) throw new InputError('LIFECYCLE_MISSING_FIELD', `${fileName}[${i}].start_time`, 'missing or non-numeric');
    const end = num(rec['end_time']);
    const info = obj(rec['info']);
    // inference-perf since its multimodal reports (2026-05, kubernetes-sigs/inference-perf #450;
    // inference_perf/apis/base.py InferenceInfo) keeps output tokens and token times under
    // response_metrics and input tokens under request_metrics.text; older builds put all three
    // directly in info (current ones still mirror input_tokens there).
    const response = obj(info['response_metrics'] ?? info);
    const rawTimes = response['output_token_times'];
    const times = Array.isArray(rawTimes) ? (rawTimes as unknown[]).map(num).filter((x): x is number => x !== undefined) : [];
    const failed = rec['error'] !== null && rec['error'] !== undefined;
    if (!failed) checkLifecycleTimes(rec, start, end, rawTimes, times, `${fileName}[${i}]`);
    const arrivalUs = sToUs(start - t0);
    let stage: number | undefined;
    for (let s = 0; s < stageStartsUs.length; s++) if (arrivalUs >= stageStartsUs[s]!) stage = s;
    return {
      index: i,
      arrivalUs,
      inputTokens: num(obj(obj(info['request_metrics'])['text'])['input_tokens']) ?? num(info['input_tokens']) ?? 0,
      outputTokens: num(response['output_tokens']) ?? times.length,
      ttftUs: !failed && times.length > 0 ? sToUs(times[0]! - start) : -1,
      e2eUs: end !== undefined ? sToUs(end - start) : -1,
      ...(!failed && times.length > 1 ? { decodeUs: sToUs(times[times.length - 1]! - times[0]!) } : {}),
      // A request sent without streaming has no token times, only its end: E2E, no TTFT.
      error: failed || (times.length === 0 && end === undefined),
      ...(stage !== undefined ? { stage } : {}),
    };
  });
}

/**
 * A successful lifecycle record's times, in seconds: a stated end or token time that is no number,
 * an end before the start, or a first token before the start or after the end is damage, refused
 * by record and field rather than left out of the statistics while the request counts as a success.
 */
function checkLifecycleTimes(rec: Record<string, unknown>, start: number, end: number | undefined, rawTimes: unknown, times: readonly number[], where: string): void {
  const bad = (field: string, found: string, expected: string): never => {
    throw new InputError('REQUESTS_BAD_VALUE', `${where}.${field}`, `found ${found}; expected ${expected}`);
  };
  const rawEnd = rec['end_time'];
  if (end === undefined && rawEnd !== undefined && rawEnd !== null) bad('end_time', JSON.stringify(rawEnd), 'seconds');
  if (Array.isArray(rawTimes) && times.length !== rawTimes.length) {
    const k = (rawTimes as unknown[]).findIndex((x) => num(x) === undefined);
    bad(`output_token_times[${k}]`, JSON.stringify((rawTimes as unknown[])[k]), 'seconds');
  }
  if (end !== undefined && end < start) bad('end_time', `${end}, before start_time ${start}`, 'a request to end no earlier than it started');
  if (times.length > 0 && times[0]! < start) bad('output_token_times[0]', `${times[0]}, before start_time ${start}`, 'a first token no earlier than the request started');
  if (times.length > 0 && end !== undefined && times[0]! > end) bad('output_token_times[0]', `${times[0]}, after end_time ${end}`, 'a first token no later than the request ended');
}

/**
 * A request's observed latencies (what a trace recorded: ObservedLatency) as a row; a request
 * with neither TTFT nor E2E observed is a failure. `stage` only when the caller groups by it.
 */
export function observedRow(index: number, r: { readonly arrivalUs: number; readonly inputTokens: number; readonly outputTokens: number; readonly observed?: { readonly ttftUs?: number; readonly e2eUs?: number; readonly outputTokensCounted?: true } }, stage?: number): LatencyRow {
  const o = r.observed;
  return {
    index,
    arrivalUs: r.arrivalUs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    ttftUs: o?.ttftUs ?? -1,
    e2eUs: o?.e2eUs ?? -1,
    error: o?.ttftUs === undefined && o?.e2eUs === undefined,
    ...(stage !== undefined ? { stage } : {}),
    ...(o?.outputTokensCounted ? { outputTokensCounted: true as const } : {}),
  };
}

/** Simulation records → rows (only `completed` requests are successes, like inference-perf). */
export function rowsFromRecords(records: readonly RequestRecord[]): LatencyRow[] {
  return records.map((r) => {
    const ttft = ttftUs(r);
    const e2e = e2eUs(r);
    // Non-finite times are a simulator bug; count the request as failed rather than as 0 ms.
    const broken = !Number.isFinite(ttft) || !Number.isFinite(e2e);
    return {
      index: r.index,
      arrivalUs: r.arrivalUs,
      inputTokens: r.inputTokens,
      outputTokens: r.producedTokens,
      ttftUs: broken ? -1 : ttft,
      e2eUs: broken ? -1 : e2e,
      error: broken || r.status !== 'completed' || r.firstTokenUs < 0,
      ...(r.stage !== undefined ? { stage: r.stage } : {}),
    };
  });
}
