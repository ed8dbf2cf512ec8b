/**
 * Protobuf whose bytes happen to open like JSON: a TracesData whose first ResourceSpans is 123
 * bytes long starts 0x0a 0x7b, i.e. "\n{", and a length-delimited stream whose first message is
 * 123 bytes starts with "{". Both are OTLP protobuf, not bad JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRegistry } from '../../src/cli/ingest-flags.js';
import { readTrace } from '../../src/ingest/open.node.js';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { otlpSniff, readOtlpBytes } from '../../src/telemetry/otlp-reader.node.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-otlp-brace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = loadOtlpSchema().TracesData;
const START_NS = 1_751_360_400_000_000_000n;

interface Shape { readonly nameChars: number; readonly kind: boolean; readonly spanId: boolean; readonly inputTokens: number }

/** One vLLM-like llm_request span; `nameChars` ≥ 0 adds a service.name that long. */
function message(n: number, { nameChars, kind, spanId, inputTokens }: Shape): Uint8Array {
  const hex = (s: string): Buffer => Buffer.from(s, 'hex');
  const resource = nameChars >= 0 ? { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'v'.repeat(nameChars) } }] } } : {};
  const startNs = START_NS + BigInt(n) * 1_000_000n;
  return T.encode(T.fromObject({ resourceSpans: [{ ...resource, scopeSpans: [{ spans: [{
    traceId: hex(n.toString(16).padStart(32, '0')), ...(spanId ? { spanId: hex(n.toString(16).padStart(16, '0')) } : {}), name: 'llm_request', ...(kind ? { kind: 2 } : {}),
    startTimeUnixNano: String(startNs), endTimeUnixNano: String(startNs + 500_000_000n),
    attributes: [{ key: 'gen_ai.usage.input_tokens', value: { intValue: inputTokens } }, { key: 'gen_ai.usage.output_tokens', value: { intValue: 10 } }],
  }] }] }] })).finish();
}

/** The shape (and bytes) of a message of n that satisfies `ok`: sizes are tuned, not guessed. */
function messageWhere(n: number, ok: (b: Uint8Array) => boolean): { bytes: Uint8Array; shape: Shape } {
  for (const [kind, spanId] of [[true, true], [false, true], [true, false], [false, false]] as const) {
    for (const inputTokens of [101, 1001, 20001, 2000001]) {
      for (let nameChars = -1; nameChars < 100; nameChars++) {
        const shape = { nameChars, kind, spanId, inputTokens };
        const bytes = message(n, shape);
        if (ok(bytes)) return { bytes, shape };
      }
    }
  }
  throw new Error('no such message');
}

describe('OTLP protobuf whose first bytes look like JSON', () => {
  it('reads a single message whose first ResourceSpans is 123 bytes ("\\n{")', async () => {
    const { bytes: single, shape } = messageWhere(1, (b) => b[0] === 0x0a && b[1] === 0x7b);
    expect(readOtlpBytes(single, 'one.pb').map((r) => r.inputTokens)).toEqual([shape.inputTokens]);
    const path = join(dir, 'one.pb');
    writeFileSync(path, single);
    const got = await readTrace(path, { registry: formatRegistry(), format: 'otlp' });
    expect(got.requests.map((r) => r.inputTokens)).toEqual([shape.inputTokens]);
  });

  it('reads a length-delimited stream whose first message is 123 bytes ("{")', async () => {
    const { bytes: first, shape } = messageWhere(1, (b) => b.length === 123);
    const varint = (n: number): number[] => (n < 128 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    const delimited = (b: Uint8Array): Buffer => Buffer.concat([Buffer.from(varint(b.length)), b]);
    const stream = Buffer.concat([delimited(first), delimited(message(2, { nameChars: 0, kind: true, spanId: true, inputTokens: 102 }))]);
    expect(stream[0]).toBe(0x7b);
    expect(readOtlpBytes(stream, 'many.pb').map((r) => r.inputTokens)).toEqual([shape.inputTokens, 102]);
    expect(otlpSniff(stream, 'many.pb')).toBeGreaterThan(0.5);
    const path = join(dir, 'many.pb');
    writeFileSync(path, stream);
    const got = await readTrace(path, { registry: formatRegistry() });
    expect([got.format, got.requests.map((r) => r.inputTokens)]).toEqual(['otlp', [shape.inputTokens, 102]]);
  });

  it('still names a broken JSON file as bad JSON', () => {
    expect(() => readOtlpBytes(Buffer.from('{"resourceSpans": [\n'), 'x.json')).toThrow(expect.objectContaining({ code: 'OTLP_BAD_JSON' }));
  });
});
