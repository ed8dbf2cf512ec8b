/**
 * Plain-text tables for the terminal: `blis compare` (predicted vs actual per stage and whole
 * run, with distribution distances) and `blis validate` (summary MAPE per metric, gate verdict).
 */
import type { Baseline } from './baseline.js';
import { METRICS, STATS } from './compare.js';
import type { StageComparison } from './compare.js';
import { fmtMs, fmtPct } from './report-md.js';
import type { GateFailure, GateResult, ValidationDocument } from './validation.js';
import { sortMetricKeys } from './validation.js';

function table(rows: readonly (readonly string[])[], rightFrom = 1): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((c, j) => (j >= rightFrom ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd()).join('\n');
}

function stageTitle(s: StageComparison): string {
  return s.index === 'summary' ? 'whole run' : `stage ${s.index}`;
}

/** One block per stage (whole run last): metric, predicted, actual, error, |error|. */
export function renderComparisonText(doc: ValidationDocument): string {
  const out: string[] = [];
  for (const e of doc.experiments) {
    const stages = [...e.stages].sort((a, b) => (a.index === 'summary' ? 1 : b.index === 'summary' ? -1 : a.index - b.index));
    for (const s of stages) {
      const rows: string[][] = [['metric', 'predicted', 'actual', 'error', '|error|']];
      for (const m of METRICS) {
        for (const st of STATS) {
          const c = s.metrics[`${m}_${st}`];
          if (!c) continue;
          rows.push([`${m}_${st}`, fmtMs(c.predicted), fmtMs(c.actual), fmtPct(c.error_pct), c.error_pct === null ? '–' : `${Math.abs(c.error_pct).toFixed(1)}%`]);
        }
      }
      const req = s.requests;
      const counts = req ? ` · requests ok/failed: predicted ${req.predicted ? `${req.predicted.ok}/${req.predicted.failed}` : '–'}, actual ${req.actual ? `${req.actual.ok}/${req.actual.failed}` : '–'}` : '';
      const dc = s.decode_concurrency;
      const decoding = dc ? ` · in decode: predicted ${dc.predicted === null ? '–' : dc.predicted.toFixed(1)}, actual ${dc.actual.toFixed(1)}` : '';
      out.push(`${e.id} · ${stageTitle(s)}${counts}${decoding}`, rows.length > 1 ? table(rows) : '(no metric in common)');
      if (s.distributions) {
        const d: string[][] = [['distribution', 'KS', 'W1', 'n predicted', 'n actual']];
        for (const [m, v] of Object.entries(s.distributions)) d.push([m, v.ks.toFixed(3), fmtMs(v.w1_ms), String(v.n_predicted), String(v.n_actual)]);
        out.push(table(d));
      }
      out.push('');
    }
  }
  return out.join('\n');
}

/** Summary MAPE per metric (with the baseline's limits) and the gate verdict. */
export function renderSummaryText(doc: ValidationDocument, baseline?: Baseline): string {
  const medians = baseline?.limits?.median_mape;
  const rows: string[][] = [['metric', 'MAPE mean', 'MAPE median', 'n', ...(baseline ? ['limit'] : []), ...(medians ? ['median limit'] : [])]];
  const pct = (x: number | undefined): string => (x !== undefined ? `${x.toFixed(2)}%` : '–');
  for (const m of sortMetricKeys(Object.keys(doc.summary))) {
    const s = doc.summary[m]!;
    rows.push([m, `${s.mape_mean.toFixed(2)}%`, `${s.mape_median.toFixed(2)}%`, String(s.n), ...(baseline ? [pct(baseline.summary[m]?.max_mape)] : []), ...(medians ? [pct(medians[m])] : [])]);
  }
  const ok = doc.experiments.filter((e) => e.status === 'ok').length;
  const lines = [`${ok}/${doc.experiments.length} experiments simulated`, rows.length > 1 ? table(rows) : '(no counted experiment: nothing to summarise)', ''];
  for (const e of doc.experiments) if (e.status === 'error') lines.push(`error: ${e.error ?? e.id}`);
  for (const e of doc.experiments) {
    const failed = unfinishedLine(e.id, e.stages.find((s) => s.index === 'summary')?.requests);
    if (failed !== null) lines.push(failed);
  }
  lines.push(gateLine(doc.gate), '');
  return lines.join('\n');
}

/**
 * A run whose predicted requests did not all finish (a client timeout or a refusal): its latency
 * figures cover only those that did, so the summary says so beside the measured run's count.
 */
function unfinishedLine(id: string, req: StageComparison['requests']): string | null {
  const p = req?.predicted;
  if (p === undefined || p.failed === 0) return null;
  const n = (x: number): string => x.toLocaleString('en-US');
  const actual = req?.actual ? `measured ${n(req.actual.failed)} of ${n(req.actual.ok + req.actual.failed)}` : 'the measured count is not in the file';
  return `unfinished: ${id}: ${n(p.failed)} of ${n(p.ok + p.failed)} predicted requests failed or timed out (${actual}); its latency figures cover the ${n(p.ok)} that finished`;
}

/** One failure: `ttft_mean MAPE 35.20% > limit 30.10%`, `x ttft_mean median MAPE …`, `x failed_requests …`. */
export function describeFailure(f: GateFailure): string {
  const who = f.experiment ? `${f.experiment} ` : '';
  if (f.value === null) return `${who}${f.metric}: ${f.reason ?? 'missing'}`;
  if (f.check === 'overload' || f.check === 'served') return `${who}${f.reason ?? `${f.metric} ${f.value} > limit ${f.limit}`}`;
  const what = f.check === 'median_mape' ? 'median MAPE' : f.experiment ? '|error|' : 'MAPE';
  return `${who}${f.metric} ${what} ${f.value.toFixed(2)}% > limit ${f.limit.toFixed(2)}%`;
}

/**
 * "gate passed", "gate failed: ttft_mean MAPE 35.20% > limit 30.10%; …" (names each failure),
 * or, without a baseline, "not gated (no --baseline)" (with any errored experiment named).
 */
export function gateLine(gate: GateResult, max = 8): string {
  const shown = gate.failures.slice(0, max);
  const more = gate.failures.length - shown.length;
  const list = `${shown.map(describeFailure).join('; ')}${more > 0 ? `; and ${more} more (validation.json gate.failures)` : ''}`;
  const known = gate.known_failures?.length ? ` (${gate.known_failures.length} known failure${gate.known_failures.length === 1 ? '' : 's'} listed in the report)` : '';
  if (gate.gated === false) return gate.failures.length === 0 ? 'not gated (no --baseline)' : `not gated (no --baseline); failed: ${list}`;
  if (gate.passed) return `gate passed${known}`;
  return `gate failed: ${list}`;
}
