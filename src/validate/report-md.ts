/**
 * report.md: the validation result as GitHub-flavoured Markdown, sized for a CI step summary
 * ($GITHUB_STEP_SUMMARY): gate verdict, summary MAPE per metric (with the baseline's limits and,
 * when given, other simulators' MAPE), one row per experiment, derived knobs and errors.
 */
import { describeAssumption } from './assumptions.js';
import type { Baseline } from './baseline.js';
import type { MapeEntry, ValidationDocument, ValidationExperiment } from './validation.js';
import { sortMetricKeys, summaryMetric } from './validation.js';
import type { ExperimentDetail } from './validate.js';
import { MS_PER_S, msToS } from '../kernel/units.js';

export interface ReportInput {
  readonly document: ValidationDocument;
  readonly details?: readonly ExperimentDetail[];
  readonly baseline?: Baseline;
  /** From scoreCompetitors: name → metric → MAPE. */
  readonly competitors?: Readonly<Record<string, Readonly<Record<string, MapeEntry>>>>;
  /** From competitorRuns: name → its comparisons per experiment (the head-to-head on shared experiments). */
  readonly competitorRuns?: Readonly<Record<string, readonly ValidationExperiment[]>>;
  readonly title?: string;
}

/** Metrics shown as columns of the per-experiment table (all metrics are in validation.json). */
export const HEADLINE_METRICS = ['ttft_mean', 'ttft_p90', 'ttft_p99', 'e2e_mean', 'e2e_p90', 'e2e_p99', 'tpot_mean'] as const;

export const fmtPct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${x > 0 ? '+' : ''}${x.toFixed(1)}%`);
export const fmtMs = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return '–';
  if (Math.abs(x) >= 10 * MS_PER_S) return `${msToS(x).toFixed(1)} s`;
  if (Math.abs(x) >= 100) return `${x.toFixed(0)} ms`;
  return `${x.toFixed(x >= 10 ? 1 : 2)} ms`;
};

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The verdict: gate passed / failed, or "not gated" when no baseline was given. */
export function gateBadge(doc: ValidationDocument): string {
  const n = doc.gate.failures.length;
  if (doc.gate.gated === false) return n === 0 ? '⚪ **Not gated** (no baseline)' : `⚪ **Not gated** (no baseline), ❌ ${n} experiment${n === 1 ? '' : 's'} failed`;
  return doc.gate.passed ? '✅ **Gate passed**' : `❌ **Gate failed** (${n} failure${n === 1 ? '' : 's'})`;
}

export function renderMarkdown(input: ReportInput): string {
  const { document: doc, baseline } = input;
  const L: string[] = [];
  L.push(`# ${input.title ?? 'blis validation'}`, '');
  const ok = doc.experiments.filter((e) => e.status === 'ok').length;
  const gate = gateBadge(doc);
  L.push(`${gate} · ${ok}/${doc.experiments.length} experiments simulated · errors are (predicted − actual)/actual; MAPE over the summary rows of active experiments.`, '');

  const metrics = sortMetricKeys(Object.keys(doc.summary));
  if (metrics.length > 0) {
    const comps = Object.keys(input.competitors ?? {});
    L.push('## Summary MAPE', '');
    const medians = baseline?.limits?.median_mape;
    L.push(`| metric | MAPE mean | MAPE median | n |${baseline ? ' limit |' : ''}${medians ? ' median limit |' : ''}${comps.map((c) => ` ${esc(c)} (n) |`).join('')}`);
    L.push(`|---|---:|---:|---:|${baseline ? '---:|' : ''}${medians ? '---:|' : ''}${comps.map(() => '---:|').join('')}`);
    for (const m of metrics) {
      const s = doc.summary[m]!;
      const limit = baseline?.summary[m]?.max_mape;
      const over = limit !== undefined && s.mape_mean > limit;
      const medLimit = medians?.[m];
      const lim = (baseline ? ` ${limit !== undefined ? `${over ? '❌ ' : ''}${limit.toFixed(1)}%` : '–'} |` : '')
        + (medians ? ` ${medLimit !== undefined ? `${s.mape_median > medLimit ? '❌ ' : ''}${medLimit.toFixed(1)}%` : '–'} |` : '');
      const cc = comps.map((c) => {
        const x = input.competitors![c]![m];
        return ` ${x ? `${x.mape_mean.toFixed(1)}% (${x.n})` : '–'} |`;
      }).join('');
      L.push(`| ${m} | ${s.mape_mean.toFixed(2)}% | ${s.mape_median.toFixed(2)}% | ${s.n} |${lim}${cc}`);
    }
    L.push('');
  }

  L.push('## Experiments', '');
  L.push(`| experiment | status | ${HEADLINE_METRICS.join(' | ')} |`);
  L.push(`|---|---|${HEADLINE_METRICS.map(() => '---:|').join('')}`);
  for (const e of doc.experiments) {
    const status = e.status === 'error' ? '❌ error' : e.truth_status && e.truth_status !== 'active' ? `ok (${e.truth_status})` : 'ok';
    const cells = HEADLINE_METRICS.map((m) => {
      const c = summaryMetric(e, m);
      return c ? `${fmtPct(c.error_pct)}<br><sub>${fmtMs(c.predicted)} / ${fmtMs(c.actual)}</sub>` : '–';
    });
    L.push(`| ${esc(e.id)} | ${status} | ${cells.join(' | ')} |`);
  }
  L.push('', 'Cells: error, then predicted / actual. TPOT is per token (tpot_from_means with the configured output length); ITL compares only its mean (per-SSE-event ITL percentiles are not per-token).', '');

  const staged = doc.experiments.filter((e) => e.status === 'ok' && e.stages.some((s) => s.index !== 'summary'));
  if (staged.length > 0) {
    L.push('<details><summary>Per-stage errors</summary>', '');
    L.push(`| experiment | stage | ${HEADLINE_METRICS.join(' | ')} | in decode |`, `|---|---|${HEADLINE_METRICS.map(() => '---:|').join('')}---:|`);
    for (const e of staged) {
      for (const st of e.stages) {
        if (st.index === 'summary') continue;
        const dc = st.decode_concurrency;
        const decoding = dc && dc.predicted !== null ? `${dc.predicted.toFixed(1)} / ${dc.actual.toFixed(1)}` : '–';
        L.push(`| ${esc(e.id)} | ${st.index} | ${HEADLINE_METRICS.map((m) => fmtPct(st.metrics[m]?.error_pct)).join(' | ')} | ${decoding} |`);
      }
    }
    L.push('', 'In decode: requests between first and last token, time-averaged over the middle of the stage, predicted / actual (both sides need per-request rows; none where over 1 % of the requests failed). Under load the batch and the step feed each other, so a TPOT error that comes with a larger batch here is mostly that loop (docs/calibration.md, *Operating points*).', '', '</details>', '');
  }

  const timedOut = doc.experiments.filter((e) => {
    const r = e.stages.find((s) => s.index === 'summary')?.requests;
    return (r?.predicted?.failed ?? 0) > 0 || (r?.actual?.failed ?? 0) > 0;
  });
  if (timedOut.length > 0) {
    L.push('## Failed requests (300 s client timeout)', '', 'Overload shows as requests that never finish in time; the simulator should fail about as many as the real server did.', '');
    L.push('| experiment | predicted failed / sent | actual failed / sent |', '|---|---:|---:|');
    for (const e of timedOut) {
      const r = e.stages.find((s) => s.index === 'summary')!.requests!;
      const cell = (x?: { ok: number; failed: number }): string => (x ? `${x.failed} / ${x.ok + x.failed}` : '–');
      L.push(`| ${esc(e.id)} | ${cell(r.predicted)} | ${cell(r.actual)} |`);
    }
    L.push('');
  }

  const failures = doc.gate.failures;
  if (failures.length > 0) {
    L.push('## Gate failures', '');
    L.push('| metric | experiment | value | limit | note |', '|---|---|---:|---:|---|');
    for (const f of failures) L.push(`| ${f.metric} | ${esc(f.experiment ?? '(summary)')} | ${f.value === null ? '–' : `${f.value.toFixed(2)}%`} | ${f.metric === 'status' ? '–' : `${f.limit.toFixed(2)}%`} | ${esc(f.reason ?? '')} |`);
    L.push('');
  }

  const known = doc.gate.known_failures ?? [];
  if (known.length > 0) {
    L.push('## Known failures', '', `Counted experiments whose whole-run error is beyond ${known[0]!.limit}% (the baseline's \`limits.known_failure_abs_error_pct\`): listed so that they stay visible, not failing the gate.`, '');
    L.push('| experiment | metric | error |', '|---|---|---:|');
    for (const k of known) L.push(`| ${esc(k.experiment)} | ${k.metric} | ${fmtPct(k.error_pct)} |`);
    L.push('');
  }

  const assumed = doc.experiments.filter((e) => (e.assumptions?.length ?? 0) > 0);
  if (assumed.length > 0) {
    L.push('## Derived and assumed values', '', 'What the experiment files did not state and the simulation used (derived: a rule; assumed: a reading the file leaves open; hint: a `_likely`/`_alt` value, reported only; noted: about the file):', '');
    for (const e of assumed) {
      L.push(`- **${esc(e.id)}**`);
      for (const a of e.assumptions!) L.push(`  - ${esc(describeAssumption(a))}`);
    }
    L.push('');
  }

  const errors = doc.experiments.filter((e) => e.status === 'error');
  if (errors.length > 0) {
    L.push('## Errors', '');
    for (const e of errors) L.push(`- **${esc(e.id)}**: ${esc(e.error ?? 'unknown error')}`);
    L.push('');
  }

  const withDist = doc.experiments.filter((e) => e.stages.some((s) => s.index === 'summary' && s.distributions));
  if (withDist.length > 0) {
    L.push('<details><summary>Distribution distances (whole run, per-request)</summary>', '');
    L.push('| experiment | TTFT KS | TTFT W1 | E2E KS | E2E W1 | TPOT KS | TPOT W1 |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const e of withDist) {
      const d = e.stages.find((s) => s.index === 'summary')!.distributions!;
      const cell = (m: 'ttft' | 'e2e' | 'tpot'): string => (d[m] ? `${d[m]!.ks.toFixed(3)} | ${fmtMs(d[m]!.w1_ms)}` : '– | –');
      L.push(`| ${esc(e.id)} | ${cell('ttft')} | ${cell('e2e')} | ${cell('tpot')} |`);
    }
    L.push('', '</details>', '');
  }
  return L.join('\n');
}
