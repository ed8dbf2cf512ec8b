import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/telemetry/ids.js';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import type { KeyValue, Span } from '../../src/telemetry/otlp-types.js';
import { SdkTraceSink } from '../../src/telemetry/sdk-sink.js';
import { TraceBuilder } from '../../src/telemetry/spans.js';
import { nanosToBigInt } from '../../src/telemetry/time.js';
import { completed, disaggregated, rejected, withDetail } from './records.js';

const t = resolveTelemetry({ seed: 21, traceTokenEvery: 16, serviceName: 'sdk-check', config: { model: 'qwen/qwen3-14b', tp: 2 } });
const records = [completed(0), withDetail(1), rejected(2), disaggregated(3), completed(4, { admittedUs: 4_017, routedUs: 4_017 })];

const hr = (h: [number, number]): bigint => BigInt(h[0]) * 1_000_000_000n + BigInt(h[1]);
const plain = (list: readonly KeyValue[]): Record<string, unknown> => Object.fromEntries(list.map((kv) => {
  const v = kv.value;
  return [kv.key, 'arrayValue' in v ? v.arrayValue.values.map((x) => Object.values(x)[0]) : Object.values(v)[0]];
}));

/** The native span and the SDK's ReadableSpan describe the same thing. */
function expectSame(native: Span, sdk: ReadableSpan): void {
  expect(sdk.name).toBe(native.name);
  expect(sdk.spanContext().traceId).toBe(toHex(native.traceId));
  expect(sdk.spanContext().spanId).toBe(toHex(native.spanId));
  expect(sdk.parentSpanContext?.spanId).toBe(native.parentSpanId ? toHex(native.parentSpanId) : undefined);
  expect(sdk.kind).toBe(native.kind - 1); // OTLP enum = API enum + 1 (SPAN_KIND_UNSPECIFIED = 0)
  expect(hr(sdk.startTime)).toBe(nanosToBigInt(native.startTimeUnixNano));
  expect(hr(sdk.endTime)).toBe(nanosToBigInt(native.endTimeUnixNano));
  expect(sdk.attributes).toEqual(plain(native.attributes));
  expect(sdk.events.map((e) => [e.name, hr(e.time), e.attributes ?? {}])).toEqual((native.events ?? []).map((e) => [e.name, nanosToBigInt(e.timeUnixNano), plain(e.attributes)]));
  expect(sdk.status.code).toBe(native.status?.code ?? 0);
  if (native.status?.message) expect(sdk.status.message).toBe(native.status.message);
  expect(sdk.instrumentationScope.name).toBe('blis.sim');
}

describe('SDK sink (BasicTracerProvider + the caller\'s processors)', () => {
  it('produces the native spans: ids, parents, simulated times, attributes, events, status', async () => {
    const memory = new InMemorySpanExporter();
    const sink = new SdkTraceSink(t, { spanProcessors: [new SimpleSpanProcessor(memory)] });
    for (const r of records) sink.add(r);
    const [summary] = await sink.close(); // flushes; the caller's processors are not shut down
    const got = memory.getFinishedSpans();
    const builder = new TraceBuilder(t);
    const native = records.flatMap((r) => builder.build(r));
    expect(got).toHaveLength(native.length);
    expect(summary).toMatchObject({ traces: records.length, spans: native.length, failedSpans: 0 });
    const byId = new Map(got.map((s) => [s.spanContext().spanId, s]));
    for (const n of native) expectSame(n, byId.get(toHex(n.spanId))!);
    const resource = got[0]!.resource;
    expect(resource.attributes['service.name']).toBe('sdk-check');
    expect(resource.attributes['blis.config.tp']).toBe(2);
    expect(resource.schemaUrl).toBe('https://opentelemetry.io/schemas/1.40.0');
  });

  it('counts what the exporter accepted and rejected, with the cause', async () => {
    const results = [0, 1, 0]; // accepted, rejected, accepted
    let calls = 0;
    const flaky: SpanExporter = {
      export(_spans, done) {
        const code = results[calls++] ?? 0;
        done(code === 0 ? { code: 0 } : { code: 1, error: new Error('UNAVAILABLE: no connection') });
      },
      shutdown: async () => {},
    };
    const sink = new SdkTraceSink(t, { exporter: flaky, destination: 'flaky', maxExportBatchSize: 6 });
    for (const i of [0, 1, 2]) {
      sink.add(completed(i));
      await sink.drain(); // one trace (6 spans) per export; a failed export does not throw
    }
    const [s] = await sink.close();
    expect(calls).toBe(3);
    expect(s).toMatchObject({ destination: 'flaky', traces: 3, failedSpans: 6, spans: 12, droppedSpans: 0 });
    expect(s!.causes).toEqual({ 'UNAVAILABLE: no connection': 6 });
  });

  it('gives up on an exporter that never succeeded, instead of waiting out every batch', async () => {
    let calls = 0;
    const dead: SpanExporter = {
      export(_spans, done) {
        calls++;
        done({ code: 1, error: new Error('14 UNAVAILABLE: connect ECONNREFUSED') });
      },
      shutdown: async () => {},
    };
    const sink = new SdkTraceSink(t, { exporter: dead, maxExportBatchSize: 6 });
    for (const i of [0, 1, 2, 3]) {
      sink.add(completed(i));
      await sink.drain();
    }
    const [s] = await sink.close();
    expect(calls).toBe(1);
    expect(s).toMatchObject({ spans: 0, failedSpans: 24 });
    expect(s!.causes).toEqual({
      '14 UNAVAILABLE: connect ECONNREFUSED': 6,
      '14 UNAVAILABLE: connect ECONNREFUSED; endpoint never answered, not retried': 18,
    });
  });
});
