/**
 * Writes BLIS TraceV2: a header YAML (through sinks.header) and the data CSV (sinks.data), rows
 * in arrival order. Send time = epochUs + arrival; first_chunk = send + observed TTFT and
 * last_chunk = send + observed E2E when observed, blank otherwise. Fields TraceV2 has no column
 * for (hash_ids, stage) are not written.
 */
import { stringify } from 'yaml';
import { bufferedSink, csvField, type WriterEntry } from './types.js';
import { usToMs } from '../../kernel/units.js';

export const TRACEV2_COLUMNS = [
  'request_id', 'client_id', 'tenant_id', 'slo_class', 'session_id', 'round_index', 'prefix_group', 'prefix_length',
  'streaming', 'input_tokens', 'output_tokens', 'text_tokens', 'image_tokens', 'audio_tokens', 'video_tokens',
  'reason_ratio', 'model', 'deadline_us', 'server_input_tokens', 'arrival_time_us', 'send_time_us',
  'first_chunk_time_us', 'last_chunk_time_us', 'num_chunks', 'status', 'error_message', 'finish_reason', 'vllm_priority',
] as const;

/** 2026-01-01T00:00:00Z in Unix µs: a fixed default so converted files are reproducible. */
export const DEFAULT_EPOCH_US = 1_767_225_600_000_000;

export const tracev2Writer: WriterEntry = {
  name: 'tracev2',
  describe: 'BLIS TraceV2 (x.trace_header.yaml + x.trace_data.csv)',
  matches: (path) => /\.trace_(header\.ya?ml|data[^/]*\.csv)$/i.test(path),
  create(sinks, options) {
    const epochUs = options.epochUs ?? DEFAULT_EPOCH_US;
    const out = bufferedSink(sinks.data);
    out.add(`${TRACEV2_COLUMNS.join(',')}\n`);
    let model: string | undefined;
    return {
      write(r) {
        model ??= r.model;
        const send = epochUs + r.arrivalUs;
        // TraceV2 input_tokens excludes the prefix (formats/tracev2.ts); a prefix is never longer than its prompt.
        const prefixTokens = r.prefix !== undefined ? Math.min(r.prefix.tokens, r.inputTokens) : 0;
        const o = r.observed;
        const values: (string | number | undefined)[] = [
          r.id, '', r.tenant, r.sloClass, r.sessionId, r.turn, r.prefix?.group, prefixTokens,
          'true', r.inputTokens - prefixTokens, r.outputTokens, r.inputTokens, 0, 0, 0,
          0, r.model, 0, r.inputTokens, r.arrivalUs, send,
          o?.ttftUs !== undefined ? send + o.ttftUs : undefined, o?.e2eUs !== undefined ? send + o.e2eUs : undefined,
          r.outputTokens + 1, 'ok', '', 'length', r.priority,
        ];
        out.add(`${values.map((v) => csvField(v)).join(',')}\n`);
      },
      end() {
        out.flush();
        const header = {
          trace_version: 2,
          time_unit: 'us',
          created_at: new Date(Math.floor(usToMs(epochUs))).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          mode: 'converted',
          warm_up_requests: 0,
          server: { type: 'unknown', model: model ?? '' },
          network: {},
        };
        sinks.header?.(stringify(header));
      },
    };
  },
};
