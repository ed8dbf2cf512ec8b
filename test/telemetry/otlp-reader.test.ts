/**
 * The OTLP reader on fixtures of vLLM's and llm-d's span shapes. The fixtures are SYNTHETIC
 * (test/fixtures/otlp/README.md): no public export of these spans exists.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { otlpSniff, readOtlpBytes, readOtlpFile } from '../../src/telemetry/otlp-reader.node.js';
import { otlpFormat } from '../../src/telemetry/otlp-format.node.js';
import type { OtlpReadIssue } from '../../src/telemetry/otlp-reader.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { tracesDataToJsonLine } from '../../src/telemetry/otlp-json.js';
import { SpanBatcher } from '../../src/telemetry/sink.js';
import { completed } from './records.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/otlp/${name}`, import.meta.url));

/** OTLP/JSON object → protobuf bytes through the official schema (hex ids → bytes). */
function toProtobuf(json: unknown, delimited: boolean): Uint8Array {
  const T = loadOtlpSchema().TracesData;
  const fixIds = (o: unknown): unknown => JSON.parse(JSON.stringify(o), (k, v) =>
    (k === 'traceId' || k === 'spanId' || k === 'parentSpanId') && typeof v === 'string' ? Array.from(Buffer.from(v, 'hex')) : v);
  const msg = T.fromObject(fixIds(json) as Record<string, unknown>);
  return delimited ? T.encodeDelimited(msg).finish() : T.encode(msg).finish();
}

async function collect(it: AsyncIterable<ArrivalRequest>): Promise<ArrivalRequest[]> {
  const out: ArrivalRequest[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('OTLP reader on stock vLLM llm_request spans', () => {
  const expected = [
    { id: 'cmpl-1', arrivalUs: 0, inputTokens: 1024, outputTokens: 256, model: 'meta-llama/Llama-3.1-8B-Instruct', observed: { ttftUs: 83_000, e2eUs: 2_914_000 } },
    { id: 'cmpl-2', arrivalUs: 250_000, inputTokens: 812, outputTokens: 128, observed: { ttftUs: 61_000, e2eUs: 1_532_000 } },
    { id: 'cmpl-3', arrivalUs: 1_500_000, inputTokens: 64, outputTokens: 16, observed: { ttftUs: 20_000, e2eUs: 310_000 } },
  ];

  it('reads JSON Lines into arrivals sorted by start, relative to the earliest, with observed TTFT/E2E', async () => {
    const got = await collect(readOtlpFile(fixture('vllm-llm_request.jsonl')));
    expect(got).toMatchObject(expected);
    expect(got.length).toBe(3);
  });

  it('reads the same spans as protobuf, single and length-delimited', () => {
    const lines = readFileSync(fixture('vllm-llm_request.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const single = toProtobuf(lines[0], false);
    expect(readOtlpBytes(single, 'one.pb')).toMatchObject(expected.slice(0, 2));
    const parts = lines.map((l) => toProtobuf(l, true));
    const stream = Buffer.concat(parts);
    expect(readOtlpBytes(stream, 'many.pb')).toMatchObject(expected);
    expect(otlpSniff(single, 'x.pb')).toBeGreaterThan(0.5);
    expect(otlpSniff(stream)).toBeGreaterThan(0.4);
    expect(otlpSniff(readFileSync(fixture('vllm-llm_request.jsonl')))).toBeGreaterThan(0.9);
    expect(otlpSniff(Buffer.from('id,arrival_us,input_tokens\n'))).toBe(0);
  });

  it('accepts int64 as numbers (the JS SDK form) as well as strings', () => {
    const text = readFileSync(fixture('vllm-llm_request.jsonl'), 'utf8').replace(/"intValue":"(\d+)"/g, '"intValue":$1');
    expect(readOtlpBytes(Buffer.from(text), 'n.jsonl')).toMatchObject(expected);
  });
});

describe('OTLP reader on llm-d gateway traces', () => {
  it('takes the arrival from gateway.request and tokens from the vLLM span in the same trace', () => {
    const issues: OtlpReadIssue[] = [];
    const got = readOtlpBytes(readFileSync(fixture('llm-d-gateway.json')), 'gw.json', (i) => issues.push(i));
    expect(got).toEqual([
      { id: 'gw-7', arrivalUs: 0, inputTokens: 2048, outputTokens: 64, model: 'meta-llama/Llama-3.1-8B-Instruct', observed: { ttftUs: 120_000, e2eUs: 1_590_000 } },
    ]);
    expect(issues.map((i) => i.code)).toEqual(['OTLP_MISSING_TOKENS']);
  });

  it('works through the ingest registry entry shape (push/end, emit/skip)', () => {
    const emitted: ArrivalRequest[] = [];
    const skipped: string[] = [];
    const r = otlpFormat.create({ source: 'gw.json', emit: (x) => emitted.push(x), skip: (code) => skipped.push(code), note: () => {} }, {});
    const bytes = readFileSync(fixture('llm-d-gateway.json'));
    r.push(bytes.subarray(0, 100));
    r.push(bytes.subarray(100));
    r.end();
    expect(emitted.map((e) => e.id)).toEqual(['gw-7']);
    expect(skipped).toEqual(['OTLP_MISSING_TOKENS']);
    expect(otlpFormat.sniff({ head: bytes.toString('utf8', 0, 200), fileName: 'gw.json' })).toBeGreaterThan(0.9);
  });

  it('reads a Jaeger /api/v3/traces answer ({"result": TracesData})', () => {
    const d = JSON.parse(readFileSync(fixture('llm-d-gateway.json'), 'utf8'));
    expect(readOtlpBytes(Buffer.from(JSON.stringify({ result: d })), 'jaeger.json').map((r) => r.id)).toEqual(['gw-7']);
  });
});

describe('OTLP reader on the journey-tracing fork', () => {
  it('takes tokens and TTFT/E2E from llm_core journey events split across lines', () => {
    const got = readOtlpBytes(readFileSync(fixture('vllm-journey.jsonl')), 'j.jsonl');
    expect(got).toEqual([{ id: 'chatcmpl-j1', arrivalUs: 0, inputTokens: 700, outputTokens: 120, observed: { ttftUs: 95_000, e2eUs: 898_000 } }]);
  });
});

describe('OTLP reader on blis runs', () => {
  it('orders requests that arrived at the same microsecond by blis.request.index, not by when they finished', () => {
    // blis writes a trace when its request leaves, so same-time arrivals can come in reverse;
    // their order is the simulation's (the event queue's tie-break), which a replay must keep.
    const lines: string[] = [];
    const batcher = new SpanBatcher(resolveTelemetry({ seed: 1 }), (b) => lines.push(tracesDataToJsonLine(b)));
    for (const i of [3, 2, 1, 0]) batcher.add(completed(i, { arrivalUs: i < 3 ? 5_000 : 9_000 }));
    batcher.flush();
    expect(readOtlpBytes(Buffer.from(lines.join('')), 'run.jsonl').map((r) => [r.id, r.arrivalUs])).toEqual([['r0', 0], ['r1', 0], ['r2', 0], ['r3', 4_000]]);
  });
});

