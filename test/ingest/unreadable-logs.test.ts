/**
 * Text logs that are no replayable request log: the error says why and what to bring instead,
 * not only that the format is unknown.
 */
import { describe, expect, it } from 'vitest';
import { createFormatRegistry } from '../../src/ingest/registry.js';

const registry = createFormatRegistry();

describe('logs blis cannot replay', () => {
  it("names vLLM's --enable-log-requests lines and points at its OpenTelemetry spans", () => {
    const head = "INFO 03-01 10:00:00 [logger.py:43] Received request chatcmpl-6f1c: prompt: 'Hi', params: SamplingParams(n=1, max_tokens=128), prompt_token_ids: [128000, 9906], prompt_embeds shape: None, lora_request: None.\n";
    expect(() => registry.sniff({ head, fileName: 'vllm.log' })).toThrow(/--otlp-traces-endpoint/);
    expect(() => registry.sniff({ head, fileName: 'vllm.log' })).toThrow(/no output length \(only max_tokens\)/);
  });

  it("names Envoy's default text access log and points at JSON access logs with --columns", () => {
    const head = '[2026-03-01T10:00:00.120Z] "POST /v1/chat/completions HTTP/1.1" 200 - 512 2048 1200 45 "-" "python-requests/2.31" "7d1f" "gw" "10.0.0.5:8000"\n';
    expect(() => registry.sniff({ head, fileName: 'access.log' })).toThrow(/text access log.*json_format.*--columns/);
  });
});
