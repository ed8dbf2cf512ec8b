/**
 * Service-level objectives as data: a target is a metric, a statistic and a bound in ms
 * (`ttft_p99=200`: the run's p99 TTFT must stay within 200 ms; per request, each TTFT within
 * 200 ms counts as met). Targets come from `--slo` and from a workload spec's `slo_classes`
 * (one set per SLO class, as llm-d's InferenceModel criticality gives each class its own
 * objective). Parsing is pure; the cluster counts attainment (src/cluster/slo.ts).
 */
import { InputError, closeNames, showValue } from '../kernel/errors.js';
import { decimalNumber } from '../kernel/decimal.js';

/** Latency metrics the metrics JSON reports (`<metric>_ms`). */
export const SLO_METRICS = ['ttft', 'tpot', 'itl', 'e2e', 'queue'] as const;
export type SloMetric = (typeof SLO_METRICS)[number];

/** Statistics a target may bound (the metrics JSON's distribution fields). */
export const SLO_STATS = ['mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const;
export type SloStat = (typeof SLO_STATS)[number];

/**
 * ITL is a distribution over token gaps, not over requests: an ITL target bounds the run's
 * distribution only. The others are per request as well (a request meets its SLO when every
 * per-request metric is within its target, DistServe's definition of goodput).
 */
export const PER_REQUEST_METRICS: readonly SloMetric[] = ['ttft', 'tpot', 'e2e', 'queue'];

export interface SloTarget {
  readonly metric: SloMetric;
  readonly stat: SloStat;
  /** Upper bound, milliseconds. */
  readonly ms: number;
}

export type SloTargets = readonly SloTarget[];

/** Targets per SLO class; `default` applies to requests without a class or whose class has no targets. */
export interface SloSpec {
  readonly default: SloTargets;
  readonly classes: Readonly<Record<string, SloTargets>>;
}

export const NO_SLO: SloSpec = Object.freeze({ default: Object.freeze([]), classes: Object.freeze({}) });

export function sloKey(t: SloTarget): string {
  return `${t.metric}_${t.stat}`;
}

export function hasSlo(s: SloSpec): boolean {
  return s.default.length > 0 || Object.keys(s.classes).length > 0;
}

const KEYS = SLO_METRICS.flatMap((m) => SLO_STATS.map((s) => `${m}_${s}`));

/** One `metric_stat` key and its bound; `where` names the flag or field. */
export function sloTarget(key: string, value: unknown, where: string): SloTarget {
  const k = key.trim().toLowerCase();
  const m = /^([a-z0-9]+)_([a-z0-9]+)$/.exec(k);
  const metric = m?.[1] as SloMetric | undefined;
  const stat = m?.[2] as SloStat | undefined;
  if (!m || !SLO_METRICS.includes(metric!) || !SLO_STATS.includes(stat!)) {
    const close = closeNames(k, KEYS, 3);
    throw new InputError('SLO_UNKNOWN_TARGET', where,
      `unknown SLO target '${key}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; expected <metric>_<stat> with metric one of ${SLO_METRICS.join(', ')} and stat one of ${SLO_STATS.join(', ')}, e.g. ttft_p99`);
  }
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? decimalNumber(value) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new InputError('SLO_BAD_VALUE', where, `found ${showValue(value)} for ${k}; expected a number of milliseconds > 0`);
  }
  return Object.freeze({ metric: metric!, stat: stat!, ms });
}

function checkDistinct(targets: SloTarget[], where: string): SloTargets {
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(sloKey(t))) throw new InputError('SLO_DUPLICATE_TARGET', where, `${sloKey(t)} is given twice; expected each target once`);
    seen.add(sloKey(t));
  }
  return Object.freeze(targets);
}

/** `ttft_p99=200,tpot_p50=30` (the `--slo` syntax; values in ms). */
export function parseSloTargets(text: string, where = '--slo'): SloTargets {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new InputError('SLO_BAD_VALUE', where, `found '${text}'; expected targets such as ttft_p99=200,tpot_p50=30 (ms)`);
  return checkDistinct(parts.map((p) => {
    const eq = p.indexOf('=');
    if (eq < 0) throw new InputError('SLO_BAD_VALUE', where, `found '${p}'; expected <metric>_<stat>=<ms>, e.g. ttft_p99=200`);
    return sloTarget(p.slice(0, eq), p.slice(eq + 1), where);
  }), where);
}

/** A mapping `{ttft_p99: 200, tpot_p50: 30}` (spec files); `where(key)` locates a field. */
export function sloTargetsFromObject(obj: unknown, where: (key?: string) => string): SloTargets {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || Object.keys(obj).length === 0) {
    throw new InputError('SLO_BAD_VALUE', where(), 'expected a mapping of targets such as {ttft_p99: 200, tpot_p50: 30} (ms)');
  }
  return checkDistinct(Object.entries(obj as Record<string, unknown>).map(([k, v]) => sloTarget(k, v, where(k))), where());
}

/** `interactive:ttft_p99=200,tpot_p50=30` (the `--slo-class` syntax). */
export function parseSloClass(text: string, where = '--slo-class'): { name: string; targets: SloTargets } {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (name === '') throw new InputError('SLO_BAD_VALUE', where, `found '${text}'; expected <class>:<targets>, e.g. interactive:ttft_p99=200,tpot_p50=30`);
  return { name, targets: parseSloTargets(text.slice(colon + 1), where) };
}

/** `--slo` and `--slo-class` over the spec's classes: a flag's class replaces the spec's. */
export function mergeSlo(base: SloSpec, over: { default?: SloTargets; classes?: Readonly<Record<string, SloTargets>> }): SloSpec {
  return Object.freeze({
    default: over.default ?? base.default,
    classes: Object.freeze({ ...base.classes, ...(over.classes ?? {}) }),
  });
}

/** The spec as JSON (`{"default": {"ttft_p99": 200}, "classes": {...}}`), for the metrics JSON and sweep results. */
export function describeSlo(s: SloSpec): Record<string, unknown> {
  const obj = (ts: SloTargets): Record<string, number> => Object.fromEntries(ts.map((t) => [sloKey(t), t.ms]));
  return {
    default: obj(s.default),
    classes: Object.fromEntries(Object.keys(s.classes).sort().map((c) => [c, obj(s.classes[c]!)])),
  };
}
