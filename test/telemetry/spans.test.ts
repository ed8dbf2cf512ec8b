import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { TraceBuilder, ROOT_SPAN_NAME } from '../../src/telemetry/spans.js';
import type { Span, KeyValue } from '../../src/telemetry/otlp-types.js';
import { nanosToBigInt } from '../../src/telemetry/time.js';
import { toHex } from '../../src/telemetry/ids.js';
import { completed, disaggregated, rejected, withDetail } from './records.js';

const EPOCH = 1767225600000000000n;
const us = (n: { low: number; high: number }): number => Number((nanosToBigInt(n) - EPOCH) / 1000n);
const attr = (s: { attributes: readonly KeyValue[] }, key: string): unknown => {
  const kv = s.attributes.find((a) => a.key === key);
  return kv ? Object.values(kv.value)[0] : undefined;
};
const byName = (spans: Span[], name: string): Span => {
  const s = spans.find((x) => x.name === name);
  if (!s) throw new Error(`no span ${name}`);
  return s;
};

describe('span tree of one request', () => {
  const t = resolveTelemetry({ seed: 42, traceTokenEvery: 16, config: { model: 'qwen/qwen3-14b', tp: 2 } });
  const b = new TraceBuilder(t);

  it('has a SERVER root from arrival to finish and the phases in order as its children', () => {
    const r = completed(3);
    const spans = b.build(r);
    expect(spans.map((s) => s.name)).toEqual([ROOT_SPAN_NAME, 'admission', 'routing', 'queue', 'prefill', 'decode']);
    const root = spans[0]!;
    expect(root.kind).toBe(2);
    expect(root.parentSpanId).toBeUndefined();
    expect(us(root.startTimeUnixNano)).toBe(r.arrivalUs);
    expect(us(root.endTimeUnixNano)).toBe(r.finishedUs);
    for (const c of spans.slice(1)) {
      expect(toHex(c.parentSpanId!)).toBe(toHex(root.spanId));
      expect(toHex(c.traceId)).toBe(toHex(root.traceId));
      expect(c.kind).toBe(1);
    }
    expect([us(byName(spans, 'admission').startTimeUnixNano), us(byName(spans, 'admission').endTimeUnixNano)]).toEqual([r.arrivalUs, r.admittedUs]);
    expect([us(byName(spans, 'routing').startTimeUnixNano), us(byName(spans, 'routing').endTimeUnixNano)]).toEqual([r.admittedUs, r.routedUs]);
    expect([us(byName(spans, 'queue').startTimeUnixNano), us(byName(spans, 'queue').endTimeUnixNano)]).toEqual([r.enqueuedUs, r.firstScheduledUs]);
    expect([us(byName(spans, 'prefill').startTimeUnixNano), us(byName(spans, 'prefill').endTimeUnixNano)]).toEqual([r.firstScheduledUs, r.firstTokenUs]);
    expect([us(byName(spans, 'decode').startTimeUnixNano), us(byName(spans, 'decode').endTimeUnixNano)]).toEqual([r.firstTokenUs, r.finishedUs]);
  });

  it('flags every span sampled, its parent known and local, as the OpenTelemetry SDK does (trace.proto Span.flags)', () => {
    for (const r of [completed(1), withDetail(2), rejected(3), disaggregated(4)]) {
      for (const s of b.build(r)) expect(s.flags, s.name).toBe(0x101);
    }
  });

  it('carries GenAI, vLLM latency (seconds) and blis attributes on the root', () => {
    const r = completed(3);
    const root = b.build(r)[0]!;
    expect(attr(root, 'gen_ai.request.model')).toBe('qwen/qwen3-14b');
    expect(attr(root, 'gen_ai.response.id')).toBe('r3');
    expect(attr(root, 'gen_ai.usage.input_tokens')).toBe(r.inputTokens);
    expect(attr(root, 'gen_ai.usage.completion_tokens')).toBe(64);
    expect(attr(root, 'gen_ai.latency.time_to_first_token')).toBeCloseTo((r.firstTokenUs - r.arrivalUs) / 1e6, 12);
    expect(attr(root, 'gen_ai.latency.e2e')).toBeCloseTo((r.finishedUs - r.arrivalUs) / 1e6, 12);
    expect(attr(root, 'gen_ai.latency.time_in_queue')).toBeCloseTo((r.firstScheduledUs - r.enqueuedUs) / 1e6, 12);
    expect(attr(root, 'blis.instance.id')).toBe(3);
    expect(attr(root, 'blis.routing.score.prefix-affinity')).toBe(0.75);
    expect(attr(root, 'blis.prefix.cached_tokens')).toBe(256);
    expect(attr(root, 'blis.status')).toBe('completed');
    expect(root.status).toBeUndefined(); // UNSET: OTel leaves successful SERVER spans unset
  });

  it('puts chunk and preemption events on prefill/decode, first token and every Nth token on decode', () => {
    const r = withDetail(2);
    const spans = b.build(r);
    const prefill = byName(spans, 'prefill');
    expect(prefill.events!.map((e) => e.name)).toEqual(['prefill_chunk', 'prefill_chunk']);
    expect(prefill.events!.map((e) => attr(e, 'blis.chunk.tokens'))).toEqual([256, 258]);
    const decode = byName(spans, 'decode');
    expect(decode.events!.map((e) => e.name)).toEqual(['first_token', 'preempted', 'token', 'token', 'token']);
    expect(decode.events!.filter((e) => e.name === 'token').map((e) => attr(e, 'blis.token.index'))).toEqual([16, 32, 48]);
  });

  it('puts the chunks of a prompt recomputed after a preemption in decode on decode, where they happened', () => {
    const r0 = withDetail(2);
    const again = r0.preemptionTimesUs![0]! + 30_000;
    const r = { ...r0, prefillChunks: [...r0.prefillChunks!, { startUs: again, endUs: again + 25_000, tokens: 600 }] };
    const spans = b.build(r);
    expect(byName(spans, 'prefill').events!.map((e) => attr(e, 'blis.chunk.index'))).toEqual([0, 1]);
    const decode = byName(spans, 'decode');
    expect(decode.events!.map((e) => e.name)).toEqual(['first_token', 'preempted', 'prefill_chunk', 'token', 'token', 'token']);
    const chunk = decode.events!.find((e) => e.name === 'prefill_chunk')!;
    expect([us(chunk.timeUnixNano), attr(chunk, 'blis.chunk.index'), attr(chunk, 'blis.chunk.tokens')]).toEqual([again, 2, 600]);
  });

  it('gives a rejected request a root and an admission span, both ERROR with the reason', () => {
    const r = rejected(7);
    const spans = b.build(r);
    expect(spans.map((s) => s.name)).toEqual([ROOT_SPAN_NAME, 'admission']);
    for (const s of spans) expect(s.status).toEqual({ code: 2, message: 'exceeds-max-model-len' });
    expect(us(spans[1]!.endTimeUnixNano)).toBe(r.finishedUs);
    expect(attr(spans[0]!, 'blis.admission.decision')).toBe('rejected');
  });

  it('a request turned away at its arrival: the ERROR root carries the admission as an event, not a zero-length span', () => {
    const r = { ...rejected(7), finishedUs: -1, endedUs: rejected(7).arrivalUs };
    const spans = b.build(r);
    expect(spans.map((s) => s.name)).toEqual([ROOT_SPAN_NAME]);
    expect(spans[0]!.status).toEqual({ code: 2, message: 'exceeds-max-model-len' });
    const admission = spans[0]!.events!.find((e) => e.name === 'admission')!;
    expect([us(admission.timeUnixNano), attr(admission, 'blis.reason'), attr(admission, 'blis.admission.decision')]).toEqual([r.arrivalUs, 'exceeds-max-model-len', 'rejected']);
    const asSpans = new TraceBuilder(resolveTelemetry({ seed: 42, instantPhases: 'span' })).build(r);
    expect(asSpans.map((s) => [s.name, s.status?.code])).toEqual([[ROOT_SPAN_NAME, 2], ['admission', 2]]);
  });

  it('adds kv_transfer only for disaggregated requests', () => {
    expect(b.build(completed(1)).some((s) => s.name === 'kv_transfer')).toBe(false);
    const r = disaggregated(1);
    const kv = byName(b.build(r), 'kv_transfer');
    expect([us(kv.startTimeUnixNano), us(kv.endTimeUnixNano)]).toEqual([r.disagg!.transferStartUs, r.disagg!.transferEndUs]);
    expect(attr(kv, 'blis.kv_transfer.bytes')).toBe(123_456_789);
  });

  it('disaggregated: prefill ends with the prefill answer, kv_transfer ends before the decode instance\'s first step starts', () => {
    const r = disaggregated(2);
    const spans = b.build(r);
    const prefill = byName(spans, 'prefill');
    const kv = byName(spans, 'kv_transfer');
    const decode = byName(spans, 'decode');
    expect(us(prefill.endTimeUnixNano)).toBe(r.disagg!.prefillDoneUs);
    expect(us(kv.endTimeUnixNano)).toBeLessThan(us(decode.startTimeUnixNano));
    expect(us(decode.startTimeUnixNano)).toBe(r.disagg!.decodeFirstScheduledUs);
    expect(us(decode.events!.find((e) => e.name === 'first_token')!.timeUnixNano)).toBe(r.firstTokenUs);
  });

  it('children lie inside the root and ids are distinct and non-zero (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 4e12 }), fc.array(fc.integer({ min: 0, max: 5e6 }), { minLength: 6, maxLength: 6 }),
      (index, arrival, gaps) => {
        const ts = [arrival];
        for (const g of gaps) ts.push(ts[ts.length - 1]! + g);
        const r = completed(0, { index, arrivalUs: ts[0]!, admittedUs: ts[1]!, routedUs: ts[2]!, enqueuedUs: ts[3]!, firstScheduledUs: ts[4]!, firstTokenUs: ts[5]!, finishedUs: ts[6]! });
        const spans = b.build(r);
        const root = spans[0]!;
        const ids = new Set(spans.map((s) => toHex(s.spanId)));
        expect(ids.size).toBe(spans.length);
        expect(toHex(root.traceId)).not.toMatch(/^0+$/);
        for (const s of spans) {
          expect(toHex(s.spanId)).not.toMatch(/^0+$/);
          expect(us(s.startTimeUnixNano)).toBeGreaterThanOrEqual(us(root.startTimeUnixNano));
          expect(us(s.endTimeUnixNano)).toBeLessThanOrEqual(us(root.endTimeUnixNano));
          expect(us(s.endTimeUnixNano)).toBeGreaterThanOrEqual(us(s.startTimeUnixNano));
        }
        // Each phase is a span that lasts, or (zero length) an event of its name on the root at its time.
        const phases = ['admission', 'routing', 'queue', 'prefill', 'decode'];
        const starts = [ts[0], ts[1], ts[3], ts[4], ts[5]];
        const at: number[] = [];
        for (const [i, n] of phases.entries()) {
          const span = spans.find((x) => x.name === n);
          const event = root.events?.find((e) => e.name === n);
          expect(Boolean(span) !== Boolean(event)).toBe(true);
          if (span) {
            expect(us(span.endTimeUnixNano)).toBeGreaterThan(us(span.startTimeUnixNano));
            at.push(us(span.startTimeUnixNano), us(span.endTimeUnixNano));
          } else {
            expect(us(event!.timeUnixNano)).toBe(starts[i]);
            at.push(us(event!.timeUnixNano), us(event!.timeUnixNano));
          }
        }
        // phases follow each other: each starts where (or after) the previous one ended
        for (let i = 2; i < at.length; i += 2) expect(at[i]!).toBeGreaterThanOrEqual(at[i - 1]!);
      }), { numRuns: 200 });
  });

  it('maps simulated microseconds to epoch nanoseconds exactly, far beyond 2^53 ns', () => {
    const r = completed(0, { arrivalUs: 123_456_789_012, admittedUs: 123_456_789_013 });
    const root = b.build(r)[0]!;
    expect(nanosToBigInt(root.startTimeUnixNano)).toBe(EPOCH + 123_456_789_012_000n);
  });

  it('records a phase of zero length as an event on the root, with its attributes, unless asked for spans', () => {
    const r = completed(4, { admittedUs: 1_000 * 4 + 17, routedUs: 1_000 * 4 + 17, enqueuedUs: 4_100, firstScheduledUs: 4_100 });
    const spans = b.build(r);
    expect(spans.map((s) => s.name)).toEqual([ROOT_SPAN_NAME, 'prefill', 'decode']);
    const events = spans[0]!.events!;
    expect(events.map((e) => [e.name, us(e.timeUnixNano)])).toEqual([['admission', r.arrivalUs], ['routing', r.arrivalUs], ['queue', 4_100]]);
    expect(attr(events[1]!, 'blis.routing.score.prefix-affinity')).toBe(0.75);
    expect(attr(events[2]!, 'blis.instance.id')).toBe(0);
    const asSpans = new TraceBuilder(resolveTelemetry({ seed: 42, instantPhases: 'span' })).build(r);
    expect(asSpans.map((s) => s.name)).toEqual([ROOT_SPAN_NAME, 'admission', 'routing', 'queue', 'prefill', 'decode']);
    expect(asSpans[0]!.events).toBeUndefined();
  });

  it('follows the current GenAI conventions: provider, finish reasons, cached tokens, server, error.type', () => {
    const root = b.build(completed(5))[0]!;
    expect(attr(root, 'gen_ai.provider.name')).toBe('vllm');
    expect(attr(root, 'gen_ai.system')).toBeUndefined();
    expect(root.attributes.find((a) => a.key === 'gen_ai.response.finish_reasons')!.value).toEqual({ arrayValue: { values: [{ stringValue: 'stop' }] } });
    expect(attr(root, 'gen_ai.usage.cache_read.input_tokens')).toBe(256);
    expect(attr(root, 'server.address')).toBe('unified-1.blis.sim');
    expect(attr(root, 'server.port')).toBe(8000);
    expect(attr(root, 'error.type')).toBeUndefined();
    const bad = b.build(rejected(6))[0]!;
    expect(attr(bad, 'error.type')).toBe('exceeds-max-model-len');
    expect(attr(bad, 'server.address')).toBeUndefined();
    expect(attr(bad, 'gen_ai.response.finish_reasons')).toBeUndefined();
    const late = b.build(completed(7, { status: 'timed_out', finishedUs: -1 }))[0]!;
    expect(attr(late, 'error.type')).toBe('timed_out');
  });
});
