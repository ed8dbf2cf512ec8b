/** The cluster comparison page on hand-made metrics: what it shows for missing values and multi-model fleets. */
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../../src/cluster/metrics.js';
import { describeLayout, renderClusterComparison } from '../../src/report/cluster-html.js';

const dist = (p50: number | null, p99: number | null = p50) => ({ count: p50 === null ? 0 : 10, mean: p50, p50, p90: p99, p95: p99, p99, min: p50, max: p99 });

/** The blocks the page reads, with the given overrides. */
function metrics(over: { hit?: number | null; ttft?: number | null; pools?: unknown[] } = {}): MetricsDocument {
  const ttft = over.ttft === undefined ? 50 : over.ttft;
  return {
    schema: 'blis.metrics/v1',
    config: { model: 'qwen/qwen3-14b', hardware: 'H100', tp: 1, num_instances: 2, routing_policy: 'round-robin', routing_scorers: '', ...(over.pools ? { pools: over.pools } : {}), workload: { rate_rps: 10 } },
    requests: { injected: 10, completed: ttft === null ? 0 : 10, rejected: ttft === null ? 10 : 0, timed_out: 0, dropped: 0, unfinished: 0 },
    ttft_ms: dist(ttft), tpot_ms: dist(ttft === null ? null : 8), e2e_ms: dist(ttft === null ? null : 900), queue_ms: dist(ttft === null ? null : 2),
    throughput: { output_tokens_per_s: ttft === null ? 0 : 120 },
    kv: { prefix_hit_rate: over.hit === undefined ? 0.25 : over.hit, cpu_hit_rate: null, preemptions: 0, peak_utilization: 0.1 },
  } as unknown as MetricsDocument;
}

/** The SVG whose title is `title`. */
const chart = (page: string, title: string): string => page.split('<svg ').find((s) => s.includes(`aria-label="${title}"`))!;

describe('cluster comparison page: missing values', () => {
  it('draws no prefix-hit bar for a run with no hit rate (null), and marks it with a dash, not 0%', () => {
    const page = renderClusterComparison([{ label: 'a', metrics: metrics() }, { label: 'none', metrics: metrics({ hit: null, ttft: null }) }]);
    const hit = chart(page, 'prefix-cache hit rate');
    expect(hit).toContain('<title>a · a: 25.0%</title>');
    expect(hit).not.toMatch(/<rect[^>]*><title>none · /);
    expect(hit).not.toMatch(/font-size="9"[^>]*>0\.0%</);
    // the run's group carries a dash where its bar would be
    expect(hit).toMatch(/<text [^>]*><title>none · none: no value<\/title>–<\/text><text [^>]*>none<\/text>/);
  });

  it('marks a latency percentile that is null with a dash in its group', () => {
    const page = renderClusterComparison([{ label: 'a', metrics: metrics() }, { label: 'none', metrics: metrics({ ttft: null }) }]);
    const ttft = chart(page, 'time to first token');
    expect(ttft).not.toMatch(/<rect[^>]*><title>none · /);
    expect((ttft.match(/<title>none · p(50|90|99): no value<\/title>–<\/text>/g) ?? []).length).toBe(3);
  });
});

describe('cluster comparison page: layouts', () => {
  it('names each pool\'s model when a fleet serves several models', () => {
    const pools = [
      { name: 'qwen/qwen3-14b@H100x1', role: 'unified', model: 'qwen/qwen3-14b', hardware: 'H100', tp: 1, count: 2 },
      { name: 'meta-llama/llama-3.1-8b-instruct@H100x1', role: 'unified', model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', tp: 1, count: 3 },
    ];
    expect(describeLayout(metrics({ pools }))).toBe('2×qwen/qwen3-14b on H100 TP1 + 3×meta-llama/llama-3.1-8b-instruct on H100 TP1, round-robin, 10 req/s');
  });

  it('says an autoscaled run\'s fleet is where it started, with each model\'s peak', () => {
    const one = { ...metrics(), autoscaler: { peak_replicas: { 'qwen/qwen3-14b': 6 } } } as unknown as MetricsDocument;
    expect(describeLayout(one)).toBe('qwen/qwen3-14b on 2×H100 TP1 at start, autoscaled (peak 6 replicas), round-robin, 10 req/s');
    const pools = [{ role: 'unified', model: 'a', hardware: 'H100', tp: 1, count: 1 }, { role: 'unified', model: 'b', hardware: 'H100', tp: 1, count: 2 }];
    const two = { ...metrics({ pools }), autoscaler: { peak_replicas: { a: 3, b: 4 } } } as unknown as MetricsDocument;
    expect(describeLayout(two)).toBe('1×a on H100 TP1 + 2×b on H100 TP1 at start, autoscaled (peak a 3, b 4), round-robin, 10 req/s');
  });

  it('keeps the one-model text for P/D pools of one model', () => {
    const pools = [
      { role: 'prefill', model: 'qwen/qwen3-14b', hardware: 'H100', tp: 1, count: 2 },
      { role: 'decode', model: 'qwen/qwen3-14b', hardware: 'H100', tp: 2, count: 1 },
    ];
    expect(describeLayout(metrics({ pools }))).toBe('qwen/qwen3-14b on 2×prefill H100 TP1 + 1×decode H100 TP2, round-robin, 10 req/s');
  });
});

describe('cluster comparison page: the runs it names best', () => {
  /** A run of 10 requests of which `timedOut` timed out, with this TTFT and E2E p99. */
  const run = (label: string, p99: number, timedOut: number) => {
    const m = metrics({ ttft: p99 }) as unknown as { requests: Record<string, number>; e2e_ms: unknown };
    m.requests['completed'] = 10 - timedOut;
    m.requests['timed_out'] = timedOut;
    m.e2e_ms = dist(900, 10 * p99);
    return { label, metrics: m as unknown as MetricsDocument };
  };
  const meta = (page: string): string => page.match(/<p class="meta">(.*?)<\/p>/)![1]!;

  it('ranks a run that served every request above a faster one that timed requests out', () => {
    const page = renderClusterComparison([run('fast-but-failing', 40, 6), run('served', 90, 0), run('slower', 120, 0)]);
    expect(meta(page)).toContain('Lowest TTFT p99: <b>served</b>');
    expect(meta(page)).toContain('lowest E2E p99: <b>served</b>');
  });

  it('when every run failed some, names the lowest with its count of failed requests', () => {
    const page = renderClusterComparison([run('a', 40, 6), run('b', 30, 2)]);
    expect(meta(page)).toContain('Lowest TTFT p99: <b>b (2 failed)</b>');
  });

  it('ranks the prefix-hit rate over every run, failures or not', () => {
    const page = renderClusterComparison([run('a', 40, 6), run('b', 90, 0)]);
    expect(meta(page)).toMatch(/highest prefix-hit rate: <b>a<\/b>/);
  });
});
