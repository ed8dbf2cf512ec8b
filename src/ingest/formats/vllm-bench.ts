/**
 * vLLM `vllm bench serve` result JSON. Per-request data exists only when saved with
 * `--save-detailed`: parallel arrays `input_lens`, `output_lens`, `ttfts` (s), `itls` (s, list
 * per request), `start_times` (s, perf_counter) and `errors`. Arrival = start_times[i]
 * (rebased); observed TTFT = ttfts[i], E2E = e2els[i] when a build saves it, else ttfts[i] +
 * sum(itls[i]). A file without the arrays is summary-only: VLLM_BENCH_SUMMARY_ONLY.
 */
import { InputError } from '../../kernel/errors.js';
import { RowError, parseTokens } from '../fields.js';
import type { FormatEntry } from '../types.js';
import type { ObservedLatency } from '../../workload/request.js';
import { createWholeJsonReader, isObject, perRecord } from './whole-json.js';
import { sToUs } from '../../kernel/units.js';

const arr = (doc: Record<string, unknown>, key: string): unknown[] | undefined => (Array.isArray(doc[key]) ? (doc[key] as unknown[]) : undefined);

export const vllmBenchFormat: FormatEntry = {
  name: 'vllm-bench',
  describe: 'vLLM bench serve result JSON saved with --save-detailed (input_lens, output_lens, ttfts, itls, start_times)',
  timeBase: 'absolute',
  order: 'arrival',
  options: { keepFailed: 'keep requests with a non-empty error (default false)' },
  sniff: ({ head }) => {
    const h = head.trimStart();
    return h.startsWith('{') && h.includes('"request_throughput"') && (h.includes('"backend"') || h.includes('"model_id"')) ? 0.9 : 0;
  },
  create: (ctx, options) =>
    createWholeJsonReader(ctx, (doc) => {
      if (!isObject(doc)) throw new InputError('VLLM_BENCH_SHAPE', ctx.source, 'expected a JSON object (vllm bench serve result)');
      const inputs = arr(doc, 'input_lens'), outputs = arr(doc, 'output_lens'), starts = arr(doc, 'start_times');
      if (inputs === undefined || outputs === undefined) {
        throw new InputError('VLLM_BENCH_SUMMARY_ONLY', ctx.source,
          'is a vllm bench serve summary (no per-request input_lens/output_lens); rerun with --save-result --save-detailed to get per-request data');
      }
      if (starts === undefined) {
        throw new InputError('VLLM_BENCH_NO_START_TIMES', ctx.source, 'has per-request lengths but no start_times, so arrival times are unknown');
      }
      const ttfts = arr(doc, 'ttfts'), itls = arr(doc, 'itls'), errors = arr(doc, 'errors'), e2els = arr(doc, 'e2els');
      if (inputs.length === 0) throw new InputError('EMPTY_INPUT', ctx.source, 'has no requests');
      inputs.forEach((input, index) => perRecord(ctx, index, () => {
        const err = errors?.[index];
        if (typeof err === 'string' && err !== '') {
          if (options.keepFailed !== true) {
            ctx.skip('REQUEST_FAILED', `record ${index}`, `request failed: ${err.slice(0, 80)}`);
            return;
          }
          ctx.note('REQUEST_FAILED_KEPT');
        }
        const start = starts[index];
        if (typeof start !== 'number') throw new RowError('FIELD_NOT_NUMBER', `start_times[${index}] is ${JSON.stringify(start)}`);
        const ttft = ttfts?.[index];
        const gaps = itls?.[index];
        const ttftUs = typeof ttft === 'number' && ttft > 0 ? sToUs(ttft) : undefined;
        const e2el = e2els?.[index];
        const e2eUs = typeof e2el === 'number' && e2el > 0 ? sToUs(e2el) : ttftUs !== undefined && Array.isArray(gaps)
          ? sToUs(ttft as number + gaps.reduce((a: number, g) => a + (typeof g === 'number' ? g : 0), 0))
          : undefined;
        const observed: ObservedLatency = { ...(ttftUs !== undefined ? { ttftUs } : {}), ...(e2eUs !== undefined ? { e2eUs } : {}) };
        ctx.emit({
          id: String(index),
          arrivalUs: sToUs(start),
          inputTokens: parseTokens(String(input), `input_lens[${index}]`),
          outputTokens: parseTokens(String(outputs[index] ?? ''), `output_lens[${index}]`),
          ...(ttftUs !== undefined || e2eUs !== undefined ? { observed } : {}),
        }, false);
      }));
    }),
};
