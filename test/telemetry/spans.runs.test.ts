/**
 * Traces from real runs. Requests that did not complete end when they left the system
 * (docs/telemetry.md: "a phase that started and never ended ... ends when the request left"), so
 * a backend shows how long the client actually waited; every event lies inside its span.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

interface JSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string;
  startTimeUnixNano: string; endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string } }[];
  events?: { name: string; timeUnixNano: string }[];
  status?: { code?: number; message?: string };
}

const dir = mkdtempSync(join(tmpdir(), 'blis-failed-spans-'));

/** The run's traces (root first) by request status. */
async function traces(name: string, args: string[]): Promise<Map<string, JSpan[][]>> {
  const file = join(dir, `${name}.json`);
  const r = await runCli(['run', ...args, '--quiet', '--output', 'json', '--otlp-out', file]);
  expect(r.code, r.err).toBe(0);
  const byTrace = new Map<string, JSpan[]>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const td = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: JSpan[] }[] }[] };
    for (const s of td.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))) {
      const list = byTrace.get(s.traceId) ?? [];
      if (s.parentSpanId) list.push(s);
      else list.unshift(s);
      byTrace.set(s.traceId, list);
    }
  }
  const out = new Map<string, JSpan[][]>();
  for (const spans of byTrace.values()) {
    const status = spans[0]!.attributes.find((a) => a.key === 'blis.status')!.value.stringValue!;
    out.set(status, [...(out.get(status) ?? []), spans]);
  }
  return out;
}

const ns = (s: string): bigint => BigInt(s);
const durationUs = (s: JSpan): number => Number((ns(s.endTimeUnixNano) - ns(s.startTimeUnixNano)) / 1000n);

/** Children and events lie inside their span; children inside the root. */
function expectNested(spans: JSpan[]): void {
  const root = spans[0]!;
  for (const s of spans) {
    if (s !== root) {
      expect(ns(s.startTimeUnixNano)).toBeGreaterThanOrEqual(ns(root.startTimeUnixNano));
      expect(ns(s.endTimeUnixNano), `${s.name} ends inside the root`).toBeLessThanOrEqual(ns(root.endTimeUnixNano));
    }
    for (const e of s.events ?? []) {
      expect(ns(e.timeUnixNano), `${s.name}/${e.name}`).toBeGreaterThanOrEqual(ns(s.startTimeUnixNano));
      expect(ns(e.timeUnixNano), `${s.name}/${e.name}`).toBeLessThanOrEqual(ns(s.endTimeUnixNano));
    }
  }
}

describe('traces of requests that did not complete', () => {
  it('a client timeout ends the trace at the timeout: the root lasts --client-timeout, the phase it was in ends there with ERROR', async () => {
    const t = await traces('timeout', ['--num-requests', '120', '--rate', '60', '--client-timeout', '3', '--seed', '5']);
    const timedOut = t.get('timed_out') ?? [];
    expect(timedOut.length).toBeGreaterThan(20);
    let decoding = 0;
    for (const spans of timedOut) {
      const root = spans[0]!;
      expect(durationUs(root)).toBe(3_000_000);
      expect(root.status).toEqual({ code: 2, message: 'client-timeout' });
      const open = spans.filter((s) => s.status?.code === 2 && s !== root);
      expect(open).toHaveLength(1);
      expect(open[0]!.endTimeUnixNano).toBe(root.endTimeUnixNano);
      expect(durationUs(open[0]!)).toBeGreaterThan(0);
      if (open[0]!.name === 'decode') decoding++;
      expectNested(spans);
    }
    expect(decoding).toBeGreaterThan(0);
  });

  it('a request that expired in the flow-control queue waited --request-ttl in admission', async () => {
    const t = await traces('ttl', ['--num-requests', '200', '--rate', '100', '--admission-policy', 'saturation', '--queue-depth-threshold', '2',
      '--flow-control', '--request-ttl', '1', '--seed', '5']);
    const expired = t.get('timed_out') ?? [];
    expect(expired.length).toBeGreaterThan(10);
    for (const spans of expired) {
      expect(spans.map((s) => s.name)).toEqual(['llm_request', 'admission']);
      for (const s of spans) {
        expect(durationUs(s)).toBe(1_000_000);
        expect(s.status).toEqual({ code: 2, message: 'queue-ttl-expired' });
      }
    }
  });

  it('a timed-out disaggregated request keeps its decode preemptions inside the trace', async () => {
    const t = await traces('pd-timeout', ['--num-requests', '200', '--rate', '60', '--num-instances', '2', '--prefill-instances', '1',
      '--decode-instances', '1', '--client-timeout', '4', '--total-kv-blocks', '3000', '--seed', '5']);
    const timedOut = t.get('timed_out') ?? [];
    expect(timedOut.some((spans) => spans.some((s) => s.events?.some((e) => e.name === 'preempted')))).toBe(true);
    for (const spans of timedOut) {
      expect(durationUs(spans[0]!)).toBe(4_000_000);
      expectNested(spans);
    }
  });
});

describe('events of a run with preemptions', () => {
  it('lie inside their spans: a prompt recomputed after a preemption in decode is a decode event', async () => {
    const t = await traces('preempt', ['--num-requests', '150', '--rate', '40', '--total-kv-blocks', '600', '--seed', '5']);
    const all = t.get('completed') ?? [];
    const decodeChunks = all.flatMap((spans) => spans.filter((s) => s.name === 'decode').flatMap((s) => (s.events ?? []).filter((e) => e.name === 'prefill_chunk')));
    expect(decodeChunks.length).toBeGreaterThan(0);
    for (const spans of all) expectNested(spans);
  });
});

describe('instant phases of requests turned away', () => {
  it('are root events: only a root can be zero-length (rejected by admission, dropped at the instance)', async () => {
    const t = await traces('rejections', ['--num-requests', '150', '--rate', '50', '--admission-policy', 'token-bucket', '--token-bucket-rate', '20', '--max-model-len', '4096', '--workload', 'summarization', '--seed', '5']);
    expect((t.get('rejected') ?? []).length).toBeGreaterThan(10);
    for (const spans of [...t.values()].flat()) {
      for (const s of spans.slice(1)) expect(durationUs(s), s.name).toBeGreaterThan(0);
      expectNested(spans);
    }
  });
});

