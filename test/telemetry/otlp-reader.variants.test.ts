/**
 * The OTLP reader on the shapes real exporters and backends write besides current OTLP/JSON
 * (test/fixtures/otlp/README.md says where each shape comes from).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { otlpSniff, readOtlpBytes } from '../../src/telemetry/otlp-reader.node.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/otlp/${name}`, import.meta.url));
const read = (name: string): ReturnType<typeof readOtlpBytes> => readOtlpBytes(readFileSync(fixture(name)), name);

describe('OTLP reader on older and backend JSON shapes', () => {
  it('reads OTLP/JSON written before the scope rename (instrumentationLibrarySpans) like the current keys', () => {
    expect(read('vllm-llm_request.legacy-keys.jsonl')).toEqual(read('vllm-llm_request.jsonl'));
    expect(read('vllm-llm_request.legacy-keys.jsonl').map((r) => r.id)).toEqual(['cmpl-1', 'cmpl-2', 'cmpl-3']);
  });

  it("reads OTLP/JSON keyed by the proto field names (resource_spans, trace_id, int_value), wholly or in part, as the Collector's JSON unmarshaler does", () => {
    const snake = (v: unknown, depth = 0, upTo = Infinity): unknown => {
      if (Array.isArray(v)) return v.map((x) => snake(x, depth, upTo));
      if (v === null || typeof v !== 'object') return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [depth < upTo ? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : k, snake(x, depth + 1, upTo)]));
    };
    const lines = readFileSync(fixture('vllm-llm_request.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const asFile = (docs: unknown[]): Buffer => Buffer.from(docs.map((d) => JSON.stringify(d)).join('\n'));
    const want = read('vllm-llm_request.jsonl');
    expect(readOtlpBytes(asFile(lines.map((d) => snake(d))), 'snake.jsonl')).toEqual(want);
    // Only the outer levels renamed: the keys are read name by name.
    expect(readOtlpBytes(asFile(lines.map((d) => snake(d, 0, 2))), 'mixed.jsonl')).toEqual(want);
  });

  it("reads Grafana Tempo's /api/traces answer: batches, base64 ids, kind as an enum name", () => {
    const got = read('tempo-api-traces.json');
    expect(got).toEqual(read('vllm-llm_request.jsonl').filter((r) => r.id === 'cmpl-1'));
    expect(otlpSniff(readFileSync(fixture('tempo-api-traces.json')), 'trace.json')).toBeGreaterThan(0.5);
    const v2 = Buffer.from(JSON.stringify({ trace: JSON.parse(readFileSync(fixture('tempo-api-traces.json'), 'utf8')) }));
    expect(readOtlpBytes(v2, 'v2.json')).toEqual(got);
  });

  it("reads Jaeger's own JSON (/api/traces, the UI's download): 16-digit trace ids, tags, times in µs, events as logs", () => {
    expect(read('jaeger-api-traces.json')).toEqual(read('vllm-llm_request.jsonl'));
    // The journey fork's llm_core events arrive as logs whose `event` field names them.
    expect(read('jaeger-journey.json')).toEqual(read('vllm-journey.jsonl'));
    expect(otlpSniff(readFileSync(fixture('jaeger-api-traces.json')), 'traces.json')).toBeGreaterThan(0.5);
    // A span without its token tags is counted, not guessed.
    const doc = JSON.parse(readFileSync(fixture('jaeger-api-traces.json'), 'utf8'));
    const span = doc.data[0].spans[0];
    span.tags = span.tags.filter((t: { key: string }) => !t.key.startsWith('gen_ai.usage.'));
    const issues: string[] = [];
    expect(readOtlpBytes(Buffer.from(JSON.stringify(doc)), 'x.json', (i) => issues.push(i.code))).toHaveLength(2);
    expect(issues).toEqual(['OTLP_MISSING_TOKENS']);
    // A search that found nothing is Jaeger's answer without spans, not "not OTLP".
    expect(() => readOtlpBytes(Buffer.from('{"data": [], "total": 0}'), 'none.json')).toThrowError(expect.objectContaining({ code: 'OTLP_NO_SPANS' }));
  });

  it('refuses an id that is neither hex nor base64 of the right length, naming the line', () => {
    const text = readFileSync(fixture('vllm-llm_request.jsonl'), 'utf8').replace('"000000000000000000000000000000a1"', '"a1"');
    expect(() => readOtlpBytes(Buffer.from(text), 'bad.jsonl')).toThrowError(expect.objectContaining({
      code: 'OTLP_BAD_ID', where: 'bad.jsonl:1', message: expect.stringMatching(/traceId 'a1' is neither 32 hex characters/),
    }));
  });
});

describe('OTLP reader on llm-d prefill/decode disaggregation', () => {
  it('takes tokens from the decode vLLM span and measures TTFT/E2E from the prefill span start', () => {
    // prefill llm_request at +5 ms (4000 prompt, 1 generated), decode at +202 ms (TTFT 10 ms,
    // E2E 1.796 s, 200 generated): TTFT = 202 - 5 + 10 ms, E2E = 202 - 5 + 1796 ms
    expect(read('llm-d-pd.json')).toEqual([{ id: 'pd-1', arrivalUs: 0, inputTokens: 4000, outputTokens: 200, observed: { ttftUs: 207_000, e2eUs: 1_993_000 } }]);
  });

  it('gives the same request whatever order the two vLLM spans arrive in', () => {
    const doc = JSON.parse(readFileSync(fixture('llm-d-pd.json'), 'utf8'));
    doc.resourceSpans.reverse();
    expect(readOtlpBytes(Buffer.from(JSON.stringify(doc)), 'reversed.json')).toEqual(read('llm-d-pd.json'));
  });
});

