/**
 * kubernetes-sigs/inference-perf reports. Per-request: `per_request_lifecycle_metrics.json`, the
 * array its report generator writes (`report.request_lifecycle.per_request: true`), one
 * `{start_time, end_time, request, response, info, error}` per request: times in seconds on a
 * monotonic clock (so the stream is rebased); `info` is InferenceInfo (inference_perf/apis/
 * base.py) with the input tokens in `info.request_metrics.text.input_tokens` (older builds
 * `info.input_tokens`) and output tokens and token times in `info.response_metrics.{output_tokens,
 * output_token_times}` (older builds directly in `info`). Records that also carry the model's
 * `scheduled_time`, `stage_id` and `session_id` (RequestLifecycleMetric dumped whole) use them.
 * Arrival = scheduled_time if present, else start_time; observed TTFT = first output token time −
 * start_time, E2E = end_time − start_time.
 * Token counts: the server's `info.response_metrics.server_usage` (its last `usage` dict:
 * `prompt_tokens`/`completion_tokens`, or the Anthropic Messages `input_tokens`/`output_tokens`)
 * when it has them, as inference-perf's own summary counts output tokens (reportgen/base.py
 * summarize_output_token_usage); else the client's. The client's `output_tokens` re-tokenises the
 * streamed text and disagrees with what the server decoded (a real llm-d run: 1,722 of 2,482
 * requests, client max 4,096 against the server's 2,048; /work/shared/traces/README.md). A record
 * whose counts the server's usage changed is counted under `adjusted` as SERVER_USAGE_TOKENS.
 * The summary reports (`summary_lifecycle_metrics.json`, `stage_N_lifecycle_metrics.json`) have
 * aggregate statistics only: rejected with INFERENCE_PERF_SUMMARY_ONLY. */
import { InputError } from '../../kernel/errors.js';
import { RowError, parseTokens } from '../fields.js';
import type { FormatEntry } from '../types.js';
import type { ObservedLatency } from '../../workload/request.js';
import { createWholeJsonReader, dig, isObject, perRecord } from './whole-json.js';
import { sToUs } from '../../kernel/units.js';

const seconds = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RowError('FIELD_NOT_NUMBER', `${field} is ${JSON.stringify(v)}, expected seconds`);
  return v;
};

const firstOf = (...vs: unknown[]): unknown => vs.find((v) => v !== undefined && v !== null);

export const inferencePerfFormat: FormatEntry = {
  name: 'inference-perf',
  describe: 'inference-perf per_request_lifecycle_metrics.json (summary reports are rejected: no per-request data)',
  timeBase: 'absolute',
  order: 'arrival',
  options: { keepFailed: 'keep records with a non-null error (default false)' },
  sniff: ({ head }) => {
    const h = head.trimStart();
    if (h.startsWith('[') && h.includes('"start_time"') && h.includes('"end_time"') && h.includes('"info"')) return 0.9;
    if (h.startsWith('{') && (h.includes('"load_summary"') || (h.includes('"successes"') && h.includes('"failures"')))) return 0.9;
    return 0;
  },
  create: (ctx, options) =>
    createWholeJsonReader(ctx, (doc) => {
      if (isObject(doc) && ('load_summary' in doc || 'successes' in doc)) {
        throw new InputError('INFERENCE_PERF_SUMMARY_ONLY', ctx.source,
          'is an inference-perf summary report (aggregate latency statistics only, no per-request data); replay needs per_request_lifecycle_metrics.json (inference-perf report.request_lifecycle.per_request: true)');
      }
      if (!Array.isArray(doc)) throw new InputError('INFERENCE_PERF_SHAPE', ctx.source, 'expected a JSON array of per-request lifecycle records');
      if (doc.length === 0) throw new InputError('EMPTY_INPUT', ctx.source, 'has no request records');
      doc.forEach((rec, index) => perRecord(ctx, index, () => {
        if (!isObject(rec)) throw new RowError('JSON_NOT_OBJECT', 'expected an object');
        if (rec['error'] !== undefined && rec['error'] !== null) {
          if (options.keepFailed !== true) {
            ctx.skip('REQUEST_FAILED', `record ${index}`, `request failed: ${JSON.stringify(rec['error']).slice(0, 80)}`);
            return;
          }
          ctx.note('REQUEST_FAILED_KEPT');
        }
        const start = seconds(rec['start_time'], 'start_time');
        const scheduled = typeof rec['scheduled_time'] === 'number' ? rec['scheduled_time'] : start;
        const end = typeof rec['end_time'] === 'number' ? rec['end_time'] : undefined;
        const info = rec['info'];
        const usage = dig(info, 'response_metrics', 'server_usage');
        const clientInput = firstOf(dig(info, 'request_metrics', 'text', 'input_tokens'), dig(info, 'input_tokens'));
        const clientOutput = firstOf(dig(info, 'response_metrics', 'output_tokens'), dig(info, 'output_tokens'));
        const input = firstOf(dig(usage, 'prompt_tokens'), dig(usage, 'input_tokens'), clientInput);
        const output = firstOf(dig(usage, 'completion_tokens'), dig(usage, 'output_tokens'), clientOutput);
        const times = firstOf(dig(info, 'response_metrics', 'output_token_times'), dig(info, 'output_token_times'));
        const firstToken = Array.isArray(times) && typeof times[0] === 'number' ? times[0] : undefined;
        const ttftUs = firstToken !== undefined ? sToUs(firstToken - start) : undefined;
        const e2eUs = end !== undefined ? sToUs(end - start) : undefined;
        const observed: ObservedLatency = { ...(ttftUs !== undefined ? { ttftUs } : {}), ...(e2eUs !== undefined ? { e2eUs } : {}) };
        if ((clientInput !== undefined && input !== clientInput) || (clientOutput !== undefined && output !== clientOutput)) ctx.note('SERVER_USAGE_TOKENS');
        const stage = rec['stage_id'];
        const session = rec['session_id'];
        ctx.emit({
          id: String(index),
          arrivalUs: sToUs(scheduled),
          inputTokens: parseTokens(input === undefined ? undefined : String(input), 'info.input_tokens'),
          outputTokens: parseTokens(output === undefined ? undefined : String(output), 'output_tokens'),
          ...(typeof stage === 'number' ? { stage } : {}),
          ...(typeof session === 'string' && session !== '' ? { sessionId: session } : {}),
          ...(ttftUs !== undefined || e2eUs !== undefined ? { observed } : {}),
        }, false);
      }));
    }),
};
