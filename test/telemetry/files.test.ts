import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { OtlpFileSink } from '../../src/telemetry/file-sink.node.js';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { readOtlpBytes, readOtlpFile } from '../../src/telemetry/otlp-reader.node.js';
import { SamplingSink } from '../../src/telemetry/sampling.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import { completed, rejected, withDetail } from './records.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-otlp-'));
const records = (n: number): RequestRecord[] => Array.from({ length: n }, (_, i) => (i % 7 === 3 ? rejected(i) : i % 5 === 0 ? withDetail(i) : completed(i)));

async function write(name: string, recs: RequestRecord[], opts = {}): Promise<Buffer> {
  const path = join(dir, name);
  const t = resolveTelemetry({ seed: 7, batchTraces: 8, traceTokenEvery: 16, config: { model: 'qwen/qwen3-14b', hardware: 'H100', tp: 2, instances: 4, routing: 'weighted', seed: 7 }, ...opts });
  const sink = new SamplingSink(new OtlpFileSink(path, t), t);
  for (const r of recs) sink.add(r);
  await sink.close();
  return readFileSync(path);
}

describe('OTLP protobuf file', () => {
  it('is byte-identical for the same seed and records', async () => {
    const a = await write('a.pb', records(30));
    const b = await write('b.pb', records(30));
    expect(Buffer.compare(a, b)).toBe(0);
    const c = await write('c.pb', records(30), { seed: 8 });
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  it('round-trips through the official schema: single message when one batch, delimited when more', async () => {
    const { ExportTraceServiceRequest: T } = loadOtlpSchema();
    const one = await write('one.pb', records(5));
    const msg = T.toObject(T.decode(one), { longs: String }) as { resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { scope: { name: string }; spans: { name: string; traceId: Uint8Array; startTimeUnixNano: string }[] }[] }[] };
    const spans = msg.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(msg.resourceSpans[0]!.scopeSpans[0]!.scope.name).toBe('blis.sim');
    expect(msg.resourceSpans[0]!.resource.attributes.map((a) => a.key)).toContain('blis.config.hardware');
    expect(spans[0]!.name).toBe('llm_request');
    expect(spans[0]!.traceId.length).toBe(16);
    expect(spans[0]!.startTimeUnixNano).toBe(String(1767225600000000000n + 17000n));

    const many = await write('many.pb', records(30)); // 30 traces / 8 per batch = 4 messages
    const r = protobuf.Reader.create(many);
    let n = 0;
    let spanCount = 0;
    while (r.pos < r.len) {
      const m = T.decodeDelimited(r) as unknown as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      spanCount += m.resourceSpans[0]!.scopeSpans[0]!.spans.length;
      n++;
    }
    expect(n).toBe(4);
    expect(spanCount).toBeGreaterThan(30 * 2);
  });

  it('reads back as the same arrival stream (ids, arrivals, tokens, observed latencies)', async () => {
    const recs = records(30);
    for (const name of ['rt.pb', 'rt.json']) {
      const got = readOtlpBytes(await write(name, recs), name);
      expect(got.map((g) => g.id)).toEqual(recs.map((r) => r.id));
      expect(got.map((g) => g.arrivalUs)).toEqual(recs.map((r) => r.arrivalUs - recs[0]!.arrivalUs));
      expect(got.map((g) => [g.inputTokens, g.outputTokens])).toEqual(recs.map((r) => [r.inputTokens, r.outputTokens]));
      expect(got[1]!.observed).toEqual({ ttftUs: recs[1]!.firstTokenUs - recs[1]!.arrivalUs, e2eUs: recs[1]!.finishedUs - recs[1]!.arrivalUs });
      expect(got[1]!.model).toBe('qwen/qwen3-14b');
    }
  });

  it('carries prefix group, session and turn from the arrival request when given', async () => {
    const path = join(dir, 'prefix.json');
    const t = resolveTelemetry({ seed: 1 });
    const sink = new OtlpFileSink(path, t);
    sink.add(completed(0, { sessionId: 's1' }), { id: 'r0', arrivalUs: 17, inputTokens: 512, outputTokens: 64, prefix: { group: 'sys-a', tokens: 300 }, sessionId: 's1', turn: 2 });
    await sink.close();
    const [r] = readOtlpBytes(readFileSync(path), path);
    expect(r).toMatchObject({ id: 'r0', arrivalUs: 0, prefix: { group: 'sys-a', tokens: 300 }, sessionId: 's1', turn: 2 });
  });
});

describe('OTLP/JSON file', () => {
  it('is JSON Lines of TracesData with hex ids, int64 as strings, integer enums, camelCase keys', async () => {
    const text = (await write('x.json', records(20))).toString('utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(3); // 20 traces, 8 per line
    for (const line of lines) {
      const o = JSON.parse(line);
      for (const rs of o.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
        expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
        if (s.parentSpanId !== undefined) expect(s.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
        expect(typeof s.startTimeUnixNano).toBe('string');
        expect(s.startTimeUnixNano).toMatch(/^\d+$/);
        expect(typeof s.kind).toBe('number');
        for (const a of s.attributes) if ('intValue' in a.value) expect(typeof a.value.intValue).toBe('string');
        for (const e of s.events ?? []) expect(e.timeUnixNano).toMatch(/^\d+$/);
      }
      expect(line).not.toMatch(/"[a-z]+_[a-z_]+":/); // no snake_case keys (attribute keys are values, not keys)
    }
  });

  it('equals the protobuf encoding once both are decoded', async () => {
    const json = (await write('eq.json', records(5))).toString('utf8');
    const pb = await write('eq.pb', records(5));
    const { ExportTraceServiceRequest: T } = loadOtlpSchema();
    const fromPb = T.toObject(T.decode(pb), { longs: String, enums: Number, bytes: String });
    const fromJson = JSON.parse(json);
    const hexToB64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');
    const norm = (o: unknown): unknown => JSON.parse(JSON.stringify(o), (k, v) =>
      (k === 'traceId' || k === 'spanId' || k === 'parentSpanId') && typeof v === 'string' && /^[0-9a-f]+$/.test(v) && v.length % 2 === 0 && v.length >= 16 ? hexToB64(v) : v);
    expect(norm(fromJson)).toEqual(norm(fromPb));
  });
});

describe('sampling', () => {
  it('head-samples by index deterministically at about P, and keeps the N slowest', async () => {
    const recs = Array.from({ length: 400 }, (_, i) => completed(i, { finishedUs: 1_000 * i + 17 + 800_000 + i + (i === 123 ? 9_000_000 : i === 321 ? 8_000_000 : 0) }));
    const got1 = readOtlpBytes(await write('s1.json', recs, { traceSample: 0.25, traceSlowest: 2, batchTraces: 512 }), 's1');
    const got2 = readOtlpBytes(await write('s2.json', recs, { traceSample: 0.25, traceSlowest: 2, batchTraces: 512 }), 's2');
    expect(got1.map((g) => g.id)).toEqual(got2.map((g) => g.id));
    expect(got1.length).toBeGreaterThan(70);
    expect(got1.length).toBeLessThan(130);
    const ids = new Set(got1.map((g) => g.id));
    expect(ids.has('r123') && ids.has('r321')).toBe(true);
    const none = readOtlpBytes(await write('s3.json', recs, { traceSample: 0, traceSlowest: 3 }), 's3');
    expect(none.map((g) => g.id).sort()).toEqual(['r123', 'r321', 'r399']);
  });
});

describe('OTLP reader errors', () => {
  it('raises OTLP_TRUNCATED naming the file for a cut protobuf file', async () => {
    const pb = await write('t.pb', records(30));
    for (const cut of [pb.length - 7, Math.floor(pb.length / 2), 5]) {
      const path = join(dir, `cut${cut}.pb`);
      writeFileSync(path, pb.subarray(0, cut));
      expect(() => readOtlpBytes(pb.subarray(0, cut), path)).toThrowError(expect.objectContaining({ name: 'InputError', code: 'OTLP_TRUNCATED', message: expect.stringContaining(path) }));
    }
    const single = await write('t1.pb', records(3));
    expect(() => readOtlpBytes(single.subarray(0, single.length - 3), 't1.pb')).toThrowError(expect.objectContaining({ code: 'OTLP_TRUNCATED' }));
  });

  it('rejects content that is not OTLP', () => {
    expect(() => readOtlpBytes(Buffer.from('id,arrival_us\n1,2\n'), 'x.csv')).toThrowError(expect.objectContaining({ code: 'OTLP_NOT_OTLP' }));
    expect(() => readOtlpBytes(Buffer.from('{"foo": 1}\n'), 'x.json')).toThrowError(expect.objectContaining({ code: 'OTLP_NOT_OTLP' }));
    expect(() => readOtlpBytes(Buffer.from('{"resourceSpans": [\n'), 'x.json')).toThrowError(expect.objectContaining({ code: 'OTLP_BAD_JSON' }));
    expect(() => readOtlpBytes(new Uint8Array(0), 'e.pb')).toThrowError(expect.objectContaining({ code: 'OTLP_EMPTY' }));
  });
});

describe('streamed reading of large files', () => {
  const all = async (path: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const r of readOtlpFile(path, { streamAboveBytes: 0 })) ids.push(`${r.id}@${r.arrivalUs}`);
    return ids;
  };

  it('streams delimited protobuf and JSON Lines to the same result as a whole read', async () => {
    const recs = records(40);
    await write('big.pb', recs);
    await write('big.json', recs);
    const whole = readOtlpBytes(readFileSync(join(dir, 'big.pb')), 'big.pb').map((r) => `${r.id}@${r.arrivalUs}`);
    expect(await all(join(dir, 'big.pb'))).toEqual(whole);
    expect(await all(join(dir, 'big.json'))).toEqual(whole);
  });

  it('falls back to a whole read for a single message or a pretty-printed object', async () => {
    await write('small.pb', records(3));
    expect((await all(join(dir, 'small.pb'))).length).toBe(3);
    const pretty = join(dir, 'pretty.json');
    const line = (await write('small2.json', records(3))).toString('utf8');
    writeFileSync(pretty, JSON.stringify(JSON.parse(line), null, 2));
    expect((await all(pretty)).length).toBe(3);
  });

  it('reports a truncated streamed protobuf file', async () => {
    const pb = await write('tr.pb', records(30));
    const path = join(dir, 'tr-cut.pb');
    writeFileSync(path, pb.subarray(0, pb.length - 10));
    await expect(all(path)).rejects.toMatchObject({ code: 'OTLP_TRUNCATED' });
  });
});
