/**
 * The comparator: predicted vs actual latency statistics per stage and for the whole run
 * ("summary", pooling all stages as the ground truth's summary does), in ms.
 *
 * Both sides are brought to a `Side` first (from an experiment file, per-request rows, a
 * blis.metrics/v1 document or a flat competitor table), then `compareSides` pairs them. Metric
 * keys are `<metric>_<stat>`: ttft, e2e, tpot, itl × mean, p50, p90, p95, p99. A key the truth
 * lacks is omitted; a key the prediction lacks is kept with `predicted: null` so that the gate
 * sees it. Failed requests (client timeout, rejection) are excluded from latency statistics on
 * both sides, as inference-perf does.
 *
 * ITL (pitfall 1): the truth's `itl_sse_event` is per SSE event, ~2 events per token, so ~0.5x
 * the per-token gap, and its percentiles mix ~0 and full-step gaps. We compare only `itl_mean`,
 * against the per-token mean gap, which under ignore_eos (every request decodes the same count)
 * equals `tpot_from_means.configured_output_len`; ITL percentiles are not compared.
 */
import type { DistMs, Experiment, TruthBlock } from './experiment.js';
import type { LatencyRow } from './requests.js';
import { statistics } from '../cluster/summary.js';
import { ksStatistic, wasserstein1 } from './stats.js';
import { usToMs } from '../kernel/units.js';

export const METRICS = ['ttft', 'e2e', 'tpot', 'itl'] as const;
export type LatencyMetric = (typeof METRICS)[number];
export const STATS = ['mean', 'p50', 'p90', 'p95', 'p99'] as const;
export type StatName = (typeof STATS)[number];
/** Metrics with per-request samples (KS, Wasserstein, CDF plots). */
export const SAMPLED = ['ttft', 'e2e', 'tpot'] as const;
export type SampledMetric = (typeof SAMPLED)[number];

export interface SideBlock {
  readonly dists: Partial<Record<LatencyMetric, DistMs>>;
  readonly counts?: { readonly ok: number; readonly failed: number };
  /** Per-request samples in ms (successful requests only). */
  readonly samples?: Partial<Record<SampledMetric, Float64Array>>;
  /** Requests in decode, time-averaged over the middle of the block (rows only: decodingOver). */
  readonly decoding?: number;
}

export interface Side {
  readonly summary: SideBlock;
  readonly stages: ReadonlyMap<number, SideBlock>;
}

export interface MetricComparison {
  readonly predicted: number | null;
  readonly actual: number;
  /** (predicted − actual)/actual × 100; null when there is no prediction or actual is 0. */
  readonly error_pct: number | null;
}

export interface DistributionComparison {
  readonly ks: number;
  readonly w1_ms: number;
  readonly n_predicted: number;
  readonly n_actual: number;
}

export interface StageComparison {
  readonly index: number | 'summary';
  readonly metrics: Record<string, MetricComparison>;
  readonly requests?: {
    readonly predicted?: { readonly ok: number; readonly failed: number };
    readonly actual?: { readonly ok: number; readonly failed: number };
  };
  readonly distributions?: Partial<Record<SampledMetric, DistributionComparison>>;
  /**
   * Requests in decode (first token to last), time-averaged over the middle of the stage, on
   * both sides (per-request rows on both). Under load the batch and the step feed each other
   * (the batch is rate × tokens × TPOT), so a TPOT error with a larger one here is mostly that
   * loop, not the step at a given batch (docs/calibration.md, *Operating points*).
   */
  readonly decode_concurrency?: MetricComparison;
}

/** Rounds for stable, readable JSON (values in ms to 1 ns, percentages to 1e-4). */
export const roundMs = (x: number): number => noNegZero(Math.round(x * 1e6) / 1e6);
export const roundPct = (x: number): number => noNegZero(Math.round(x * 1e4) / 1e4);

function noNegZero(x: number): number {
  return x === 0 ? 0 : x;
}

export function errorPct(predicted: number, actual: number): number | null {
  if (actual === 0 || !Number.isFinite(predicted) || !Number.isFinite(actual)) return null;
  return roundPct(((predicted - actual) / actual) * 100);
}

// ---------------------------------------------------------------- truth side

function truthDists(t: TruthBlock): Partial<Record<LatencyMetric, DistMs>> {
  const d: Partial<Record<LatencyMetric, DistMs>> = {};
  if (t.ttftMs) d.ttft = t.ttftMs;
  if (t.e2eMs) d.e2e = t.e2eMs;
  if (t.tpotMeanMs !== undefined) {
    d.tpot = { mean: t.tpotMeanMs };
    d.itl = { mean: t.tpotMeanMs };
  }
  return d;
}

function truthCounts(t: TruthBlock): { ok: number; failed: number } | undefined {
  if (t.successes === undefined) return undefined;
  return { ok: t.successes, failed: t.failures ?? (t.requestsSent !== undefined ? t.requestsSent - t.successes : 0) };
}

/**
 * The truth side of an experiment: its aggregate statistics, and when per-request rows are
 * given, their samples (KS, Wasserstein, CDFs) and the statistics the aggregates lack (TPOT
 * percentiles: per request (e2e − ttft)/(configured output − 1)).
 */
export function truthFromExperiment(exp: Experiment, rows?: readonly LatencyRow[]): Side {
  const fromRows = rows ? sideFromRows(rows, { outputTokens: exp.workload.outputTokens ?? undefined }) : undefined;
  const merge = (t: TruthBlock | undefined, r: SideBlock | undefined): SideBlock | undefined => {
    if (!t && !r) return undefined;
    const dists: Partial<Record<LatencyMetric, DistMs>> = { ...(r?.dists ?? {}) };
    // Aggregates from the experiment file win; the rows fill what they lack.
    if (t) {
      const td = truthDists(t);
      for (const m of METRICS) if (td[m]) dists[m] = { ...(dists[m] ?? {}), ...td[m] };
    }
    const counts = (t && truthCounts(t)) ?? r?.counts;
    return { dists, ...(counts ? { counts } : {}), ...(r?.samples ? { samples: r.samples } : {}), ...(r?.decoding !== undefined ? { decoding: r.decoding } : {}) };
  };
  const stages = new Map<number, SideBlock>();
  const idx = new Set<number>([...exp.truth.stages.keys(), ...(fromRows ? [...fromRows.stages.keys()] : [])]);
  for (const i of [...idx].sort((a, b) => a - b)) {
    const b = merge(exp.truth.stages.get(i), fromRows?.stages.get(i));
    if (b) stages.set(i, b);
  }
  return { summary: merge(exp.truth.summary, fromRows?.summary)!, stages };
}

// ---------------------------------------------------------------- rows (either side)

export interface RowsOptions {
  /**
   * Decode length to use for TPOT instead of each row's count (ignore_eos truth). Without it TPOT
   * and ITL come from rows with a decoded length only, over those with ≥ 2 tokens (vLLM
   * benchmarks/serve.py calculate_metrics: TPOT = (latency − ttft)/(output_len − 1) when
   * output_len > 1).
   */
  readonly outputTokens?: number;
}

/**
 * A success may lack one of its times (a request sent without streaming has an E2E and no TTFT, a
 * trace may record only one): each distribution takes the successes that have its times, and
 * such a request counts as a success, not a failure.
 */
function blockFromRows(rows: readonly LatencyRow[], opts: RowsOptions): SideBlock {
  const ok = rows.filter((r) => !r.error);
  const ttft = Float64Array.from(ok.filter((r) => r.ttftUs >= 0), (r) => usToMs(r.ttftUs));
  const withE2e = ok.filter((r) => r.e2eUs >= 0);
  const e2e = Float64Array.from(withE2e, (r) => usToMs(r.e2eUs));
  const tp: number[] = [];
  let gapSum = 0;
  let gapCount = 0;
  for (const r of withE2e) {
    // A re-tokenised count is no decode length (LatencyRow.outputTokensCounted): no TPOT from it.
    const out = opts.outputTokens ?? (r.outputTokensCounted ? 0 : r.outputTokens);
    if (out < 2 || r.ttftUs < 0) continue;
    const decodeMs = usToMs(r.decodeUs ?? r.e2eUs - r.ttftUs);
    tp.push(decodeMs / (out - 1));
    gapSum += decodeMs;
    gapCount += out - 1;
  }
  const tpot = Float64Array.from(tp);
  const dists: Partial<Record<LatencyMetric, DistMs>> = {};
  const put = (m: LatencyMetric, xs: Float64Array): void => {
    const s = statistics(xs);
    if (s.count > 0) dists[m] = { mean: s.mean!, p50: s.p50!, p90: s.p90!, p95: s.p95!, p99: s.p99!, min: s.min!, max: s.max! };
  };
  put('ttft', ttft);
  put('e2e', e2e);
  put('tpot', tpot);
  // Per-token ITL mean: total decode time over total gaps (token-weighted).
  if (gapCount > 0) dists.itl = { mean: gapSum / gapCount };
  return { dists, counts: { ok: ok.length, failed: rows.length - ok.length }, samples: { ttft, e2e, tpot } };
}

/** Fewest requests a block needs for its decode concurrency (a handful say nothing steady). */
const DECODING_MIN_REQUESTS = 20;
/** Largest share of a block's requests that may have failed for its decode concurrency to be given. */
const DECODING_MAX_FAILED = 0.01;

/**
 * Requests in decode (first token to last) time-averaged over the middle of `block`'s arrivals
 * (30 % to 90 % of their span: past the ramp up, before the drain), counting every successful
 * request of `all` then, whichever block it arrived in. Undefined for fewer than 20 requests, and
 * when more than 1 % of the block's failed: how long a request the client gave up on was decoding
 * is not recorded (inference-perf writes no token times for it), so the average would miss it.
 */
function decodingOver(block: readonly LatencyRow[], all: readonly LatencyRow[]): number | undefined {
  if (block.length < DECODING_MIN_REQUESTS) return undefined;
  let failed = 0;
  for (const r of block) if (r.error) failed++;
  if (failed > DECODING_MAX_FAILED * block.length) return undefined;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const r of block) {
    if (r.arrivalUs < t0) t0 = r.arrivalUs;
    if (r.arrivalUs > t1) t1 = r.arrivalUs;
  }
  const w0 = t0 + 0.3 * (t1 - t0);
  const w1 = t0 + 0.9 * (t1 - t0);
  if (!(w1 > w0)) return undefined;
  let busyUs = 0;
  for (const r of all) {
    if (r.error || r.ttftUs < 0 || r.e2eUs < 0) continue;
    const from = Math.max(r.arrivalUs + r.ttftUs, w0);
    const to = Math.min(r.arrivalUs + r.e2eUs, w1);
    if (to > from) busyUs += to - from;
  }
  return busyUs / (w1 - w0);
}

/** A side from per-request rows: per stage (rows with a `stage`) and pooled over all rows (its decode concurrency only for a single stage). */
export function sideFromRows(rows: readonly LatencyRow[], opts: RowsOptions = {}): Side {
  const byStage = new Map<number, LatencyRow[]>();
  for (const r of rows) {
    if (r.stage === undefined) continue;
    let list = byStage.get(r.stage);
    if (!list) byStage.set(r.stage, (list = []));
    list.push(r);
  }
  const withDecoding = (b: SideBlock, d: number | undefined): SideBlock => (d === undefined ? b : { ...b, decoding: d });
  const stages = new Map<number, SideBlock>();
  for (const i of [...byStage.keys()].sort((a, b) => a - b)) stages.set(i, withDecoding(blockFromRows(byStage.get(i)!, opts), decodingOver(byStage.get(i)!, rows)));
  const summary = blockFromRows(rows, opts);
  return { summary: byStage.size <= 1 ? withDecoding(summary, decodingOver(rows, rows)) : summary, stages };
}

// ---------------------------------------------------------------- metrics JSON / flat tables

type Obj = Record<string, unknown>;

function distFrom(o: unknown): DistMs | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const src = o as Obj;
  const out: Record<string, number> = {};
  for (const k of ['mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max']) if (typeof src[k] === 'number') out[k] = src[k] as number;
  return Object.keys(out).length > 0 ? out : undefined;
}

function blockFromMetrics(b: Obj): SideBlock {
  const dists: Partial<Record<LatencyMetric, DistMs>> = {};
  const req = (b['requests'] ?? {}) as Obj;
  const completed = typeof req['completed'] === 'number' ? (req['completed'] as number) : undefined;
  // A block without completions has no latency (null statistics; older files wrote zeros): no prediction, not 0 ms.
  if (completed !== 0) {
    for (const m of METRICS) {
      const d = distFrom(b[`${m}_ms`]);
      if (d) dists[m] = d;
    }
  }
  if (completed === undefined) return { dists };
  const injected = typeof req['injected'] === 'number' ? (req['injected'] as number) : completed;
  return { dists, counts: { ok: completed, failed: injected - completed } };
}

/** The prediction side from a blis.metrics/v1 document (top level = summary, `stages[]`). */
export function sideFromMetrics(doc: unknown): Side {
  const d = (doc ?? {}) as Obj;
  const stages = new Map<number, SideBlock>();
  if (Array.isArray(d['stages'])) {
    for (const s of d['stages'] as Obj[]) if (typeof s['index'] === 'number') stages.set(s['index'] as number, blockFromMetrics(s));
  }
  return { summary: blockFromMetrics(d), stages };
}

/**
 * A flat prediction table, as in competitors.json: `{ "-1": {ttft_mean, e2e_p90, ...}, "0": ... }`
 * where "-1" is the whole run. Unknown keys are ignored (competitors' `itl_mean` uses the
 * measured output length and is not comparable; pass `ignore` to drop such keys).
 */
export function sideFromFlat(table: Readonly<Record<string, Readonly<Record<string, number>>>>, ignore: readonly string[] = ['itl_mean']): Side {
  const block = (row: Readonly<Record<string, number>>): SideBlock => {
    const dists: Partial<Record<LatencyMetric, Record<string, number>>> = {};
    for (const [k, v] of Object.entries(row)) {
      if (ignore.includes(k)) continue;
      const m = /^(ttft|e2e|tpot|itl)_(mean|p50|p90|p95|p99|min|max)$/.exec(k);
      if (!m || typeof v !== 'number') continue;
      (dists[m[1] as LatencyMetric] ??= {})[m[2]!] = v;
    }
    return { dists };
  };
  const stages = new Map<number, SideBlock>();
  for (const [k, row] of Object.entries(table)) if (k !== '-1' && /^\d+$/.test(k)) stages.set(Number(k), block(row));
  return { summary: block(table['-1'] ?? {}), stages };
}

// ---------------------------------------------------------------- pairing

function compareBlock(index: number | 'summary', pred: SideBlock | undefined, act: SideBlock): StageComparison {
  const metrics: Record<string, MetricComparison> = {};
  for (const m of METRICS) {
    const a = act.dists[m];
    if (!a) continue;
    for (const s of STATS) {
      const av = a[s];
      if (av === undefined) continue;
      const pv = pred?.dists[m]?.[s];
      metrics[`${m}_${s}`] = pv === undefined
        ? { predicted: null, actual: roundMs(av), error_pct: null }
        : { predicted: roundMs(pv), actual: roundMs(av), error_pct: errorPct(pv, av) };
    }
  }
  const out: { -readonly [K in keyof StageComparison]: StageComparison[K] } = { index, metrics };
  if (pred?.counts || act.counts) out.requests = { ...(pred?.counts ? { predicted: pred.counts } : {}), ...(act.counts ? { actual: act.counts } : {}) };
  if (pred?.samples && act.samples) {
    const dist: Partial<Record<SampledMetric, DistributionComparison>> = {};
    for (const m of SAMPLED) {
      const p = pred.samples[m];
      const a = act.samples[m];
      if (!p || !a || p.length === 0 || a.length === 0) continue;
      dist[m] = { ks: roundPct(ksStatistic(p, a)), w1_ms: roundMs(wasserstein1(p, a)), n_predicted: p.length, n_actual: a.length };
    }
    if (Object.keys(dist).length > 0) out.distributions = dist;
  }
  if (pred?.decoding !== undefined && act.decoding !== undefined) {
    out.decode_concurrency = { predicted: roundMs(pred.decoding), actual: roundMs(act.decoding), error_pct: errorPct(pred.decoding, act.decoding) };
  }
  return out;
}

/** Pairs the prediction with the truth: one entry per truth stage (ascending), then "summary". */
export function compareSides(pred: Side, actual: Side): StageComparison[] {
  const out: StageComparison[] = [];
  for (const [i, a] of [...actual.stages.entries()].sort((x, y) => x[0] - y[0])) out.push(compareBlock(i, pred.stages.get(i), a));
  out.push(compareBlock('summary', pred.summary, actual.summary));
  return out;
}
