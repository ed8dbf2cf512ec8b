/**
 * SLO accounting for the metrics JSON's `slo` block: per-request attainment (a request meets
 * its SLO when it completed and each per-request metric is within its class's target), goodput
 * (requests and tokens per second of the requests that met it, DistServe's goodput, Zhong et
 * al. OSDI 2024) and whether the run holds each target as a statistic.
 *
 * A statistic is taken over every request the target covers, a request that never produced
 * the metric (rejected, timed out, dropped, unfinished) counting as infinitely late: a p99
 * target cannot be met by rejecting 2% of the traffic. With nothing lost the value equals the
 * metrics JSON's own percentile. ITL is a distribution over token gaps, so an ITL target is
 * checked against the run's `itl_ms` and does not count per request.
 */
import { InputError } from '../kernel/errors.js';
import { PER_REQUEST_METRICS, describeSlo, hasSlo, sloKey, type SloMetric, type SloSpec, type SloTarget, type SloTargets } from '../workload/slo.js';
import { LatencySamples } from './duration-histogram.js';
import type { RequestRecord } from './record.js';
import { round, type DistributionSummary } from './summary.js';
import { US_PER_MS, usToMs, usToS } from '../kernel/units.js';

/** The label of requests that carry no class, tenant or model. */
export const UNLABELLED = '(none)';

export interface AttainmentCount {
  met: number;
  counted: number;
  /** met / counted; null when nothing was counted. */
  attainment: number | null;
}

export interface SloCheck {
  /** The SLO class whose requests the check covers; null for the default targets. */
  class: string | null;
  target: string;
  target_ms: number;
  /** The statistic over the covered requests, lost ones infinitely late; null when infinite or nothing was covered. */
  observed_ms: number | null;
  /** Covered requests that never produced the metric. */
  lost: number;
  holds: boolean;
}

export interface SloBlock {
  targets: Record<string, unknown>;
  /** Every check holds. */
  holds: boolean;
  checks: SloCheck[];
  attainment: AttainmentCount & {
    /** Requests no target covers (a class without targets and no `--slo` default). */
    uncovered: number;
    by_class: Record<string, AttainmentCount>;
    by_tenant: Record<string, AttainmentCount>;
    by_model: Record<string, AttainmentCount>;
  };
  goodput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
}

/** The per-request value of a metric in µs; -1 when the request has none (1 output token has no TPOT). */
function valueUs(r: RequestRecord, metric: SloMetric): number {
  switch (metric) {
    case 'ttft': return r.firstTokenUs >= 0 ? r.firstTokenUs - r.arrivalUs : -1;
    case 'e2e': return r.finishedUs >= 0 ? r.finishedUs - r.arrivalUs : -1;
    case 'queue': return r.firstScheduledUs >= 0 ? r.firstScheduledUs - r.arrivalUs : -1;
    case 'tpot': return r.producedTokens >= 2 ? (r.finishedUs - r.firstTokenUs) / (r.producedTokens - 1) : -1;
    default: return -1;
  }
}

/** Whether a request would have had the metric at all (TPOT needs two output tokens). */
function applies(r: RequestRecord, metric: SloMetric): boolean {
  return metric !== 'tpot' || r.outputTokens >= 2;
}

class TargetSet {
  readonly perRequest: SloTarget[];
  readonly samples = new Map<SloMetric, { values: LatencySamples; lost: number }>();

  constructor(readonly className: string | null, readonly targets: SloTargets) {
    this.perRequest = targets.filter((t) => PER_REQUEST_METRICS.includes(t.metric));
    for (const t of this.perRequest) if (!this.samples.has(t.metric)) this.samples.set(t.metric, { values: new LatencySamples(), lost: 0 });
  }

  /** Records the request's values; true when it met every per-request target. */
  add(r: RequestRecord): boolean {
    const done = r.status === 'completed';
    for (const [metric, s] of this.samples) {
      if (!applies(r, metric)) continue;
      const v = done ? valueUs(r, metric) : -1;
      if (v >= 0) s.values.push(v);
      else if (!done) s.lost++;
    }
    if (!done) return false;
    for (const t of this.perRequest) {
      const v = valueUs(r, t.metric);
      if (v >= 0 && v > t.ms * US_PER_MS) return false;
    }
    return true;
  }

  checks(itl: DistributionSummary): SloCheck[] {
    return this.targets.map((t) => {
      let observed: number;
      let lost = 0;
      if (t.metric === 'itl') {
        const v = itl[t.stat] as number | null;
        observed = v === null ? NaN : v;
      } else {
        const s = this.samples.get(t.metric)!;
        lost = s.lost;
        observed = usToMs(paddedStatUs(s.values, s.lost, t.stat));
      }
      const finite = Number.isFinite(observed);
      // A class no request belonged to holds vacuously (NaN: nothing covered).
      return {
        class: this.className,
        target: sloKey(t),
        target_ms: t.ms,
        observed_ms: finite ? round(observed) : null,
        lost,
        holds: Number.isNaN(observed) || (finite && observed <= t.ms),
      };
    });
  }
}

/**
 * A statistic over n samples plus `lost` values at +∞. The padded percentile at q sits at rank
 * q·(N−1) of N = n + lost; below rank n−1 that is the samples' own quantile at q·(N−1)/(n−1).
 */
export function paddedStatUs(values: LatencySamples, lost: number, stat: SloTarget['stat']): number {
  const n = values.length;
  if (n === 0) return lost > 0 ? Infinity : NaN;
  if (stat === 'mean' || stat === 'max') {
    if (lost > 0) return Infinity;
    const s = values.summary(1);
    return (stat === 'mean' ? s.mean : s.max) ?? NaN;
  }
  const q = Number(stat.slice(1)) / 100;
  const pos = q * (n + lost - 1);
  if (Math.ceil(pos) > n - 1) return Infinity;
  return values.quantile(n === 1 ? 0 : pos / (n - 1));
}

class Tally {
  met = 0;
  counted = 0;
  out(): AttainmentCount {
    return { met: this.met, counted: this.counted, attainment: this.counted > 0 ? round(this.met / this.counted) : null };
  }
}

function tallyOut(m: Map<string, Tally>): Record<string, AttainmentCount> {
  return Object.fromEntries([...m.keys()].sort().map((k) => [k, m.get(k)!.out()]));
}

export class SloCollector {
  private readonly defaultSet: TargetSet | null;
  private readonly classSets = new Map<string, TargetSet>();
  private readonly all = new Tally();
  private readonly byClass = new Map<string, Tally>();
  private readonly byTenant = new Map<string, Tally>();
  private readonly byModel = new Map<string, Tally>();
  private uncovered = 0;
  private metInput = 0;
  private metOutput = 0;

  constructor(private readonly spec: SloSpec, private readonly defaultModel: string) {
    this.enabled = hasSlo(spec);
    this.defaultSet = spec.default.length > 0 ? new TargetSet(null, spec.default) : null;
    for (const name of Object.keys(spec.classes).sort()) {
      const targets = spec.classes[name]!;
      const itl = targets.find((t) => t.metric === 'itl');
      if (itl) throw new InputError('SLO_ITL_PER_CLASS', `SLO class ${name}`, `${sloKey(itl)}: ITL is measured over the whole run's token gaps, not per class; give an ITL target in --slo, or bound tpot per class`);
      this.classSets.set(name, new TargetSet(name, targets));
    }
  }

  /** The run has targets (asked once per record, so answered once: hasSlo lists the spec's classes). */
  readonly enabled: boolean;

  /** `model`: the model the record is filed under (default: the one it names, else the run's). */
  add(r: RequestRecord, model: string = r.model ?? this.defaultModel): void {
    const set = (r.sloClass !== undefined ? this.classSets.get(r.sloClass) : undefined) ?? this.defaultSet;
    if (set === null) {
      this.uncovered++;
      return;
    }
    const met = set.add(r);
    if (met) {
      this.metInput += r.inputTokens;
      this.metOutput += r.producedTokens;
    }
    const bump = (m: Map<string, Tally> | null, key: string): void => {
      const t = m === null ? this.all : (m.get(key) ?? m.set(key, new Tally()).get(key)!);
      t.counted++;
      if (met) t.met++;
    };
    bump(null, '');
    bump(this.byClass, r.sloClass ?? UNLABELLED);
    bump(this.byTenant, r.tenant ?? UNLABELLED);
    bump(this.byModel, model);
  }

  /** `windowUs` is the throughput window (first arrival to last completion); `itl` the run's ITL summary in ms. */
  block(windowUs: number, itl: DistributionSummary): SloBlock {
    const checks = [...(this.defaultSet ? [this.defaultSet] : []), ...this.classSets.values()].flatMap((s) => s.checks(itl));
    const seconds = usToS(windowUs);
    const rate = (x: number): number => (seconds > 0 ? round(x / seconds) : 0);
    return {
      targets: describeSlo(this.spec),
      holds: checks.every((c) => c.holds),
      checks,
      attainment: {
        ...this.all.out(),
        uncovered: this.uncovered,
        by_class: tallyOut(this.byClass),
        by_tenant: tallyOut(this.byTenant),
        by_model: tallyOut(this.byModel),
      },
      goodput: { requests_per_s: rate(this.all.met), input_tokens_per_s: rate(this.metInput), output_tokens_per_s: rate(this.metOutput) },
    };
  }
}
