/**
 * The OTLP reader on the shapes real exporters and backends write besides current OTLP/JSON
 * (test/fixtures/otlp/README.md says where each shape comes from).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readOtlpBytes } from '../../src/telemetry/otlp-reader.node.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/otlp/${name}`, import.meta.url));
const read = (name: string): ReturnType<typeof readOtlpBytes> => readOtlpBytes(readFileSync(fixture(name)), name);

describe('OTLP reader on older and backend JSON shapes', () => {
  it('reads OTLP/JSON written before the scope rename (instrumentationLibrarySpans) like the current keys', () => {
    expect(read('vllm-llm_request.legacy-keys.jsonl')).toEqual(read('vllm-llm_request.jsonl'));
    expect(read('vllm-llm_request.legacy-keys.jsonl').map((r) => r.id)).toEqual(['cmpl-1', 'cmpl-2', 'cmpl-3']);
  });
});
