import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { formatRegistry } from '../../src/cli/ingest-flags.js';
import { readOtlpBytes } from '../../src/telemetry/otlp-reader.node.js';
import type { OtlpReadIssue } from '../../src/telemetry/otlp-reader.js';

const FIXTURE = new URL('../fixtures/otlp/vllm-llm_request.bad-spans.jsonl', import.meta.url).pathname;

describe('where OTLP spans that cannot be read are reported', () => {
  it('names the JSON Lines line of a bad span and of a trace without token counts, once each, never line 0', async () => {
    const got = await readTrace(FIXTURE, { registry: formatRegistry() });
    expect(got.requests.map((r) => r.id)).toEqual(['cmpl-1']);
    expect(got.summary.skipped).toEqual({ OTLP_BAD_SPAN: 1, OTLP_MISSING_TOKENS: 1 });
    expect(got.summary.messages).toEqual([
      'vllm-llm_request.bad-spans.jsonl:2: span \'llm_request\' 0000000000000002: startTimeUnixNano "-5"; expected whole nanoseconds ≥ 0, as a decimal string or integer [OTLP_BAD_SPAN]',
      'vllm-llm_request.bad-spans.jsonl:2: trace 00000000000000000000000000000003 (request cmpl-3): no prompt/completion token counts [OTLP_MISSING_TOKENS]',
    ]);
  });

  it('stops with the same location under strict', async () => {
    await expect(readTrace(FIXTURE, { registry: formatRegistry(), strict: true })).rejects.toMatchObject({ code: 'OTLP_BAD_SPAN', where: 'vllm-llm_request.bad-spans.jsonl:2' });
  });

  it('gives library callers the location beside the message', () => {
    const issues: OtlpReadIssue[] = [];
    readOtlpBytes(readFileSync(FIXTURE), 'x.jsonl', (i) => issues.push(i));
    expect(issues.map((i) => [i.code, i.at])).toEqual([['OTLP_BAD_SPAN', 2], ['OTLP_MISSING_TOKENS', 2]]);
  });

  it('names the trace when the file is one JSON document (no line to name)', async () => {
    const got = await readTrace(new URL('../fixtures/otlp/llm-d-gateway.json', import.meta.url).pathname, { registry: formatRegistry() });
    expect(got.summary.messages).toEqual(['llm-d-gateway.json trace 0000000000000000000000000000dead: no prompt/completion token counts [OTLP_MISSING_TOKENS]']);
  });
});
