/**
 * `blis replay --compare`: simulated against observed latencies, request by request, for
 * sources that carry observed TTFT/E2E (calibration CSVs, TraceV2, vLLM spans, ...).
 */
import type { RequestRecord } from '../cluster/record.js';
import { percentileSorted } from '../cluster/summary.js';
import { compareSides, sideFromRows } from '../validate/compare.js';
import type { LatencyRow } from '../validate/requests.js';
import { observedRow, rowsFromRecords } from '../validate/requests.js';
import { table } from './summary-format.js';

export interface ReplayComparison {
  readonly requests: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/**
 * Null when no record carries observed latencies. `countedOutputTokens`: the trace's output
 * lengths are re-tokenised counts (FormatEntry.countedOutputTokens), so the observed side has no
 * per-token time.
 */
export function compareReplay(records: readonly RequestRecord[], countedOutputTokens = false): ReplayComparison | null {
  const withObs = records.filter((r) => r.observed !== undefined && (r.observed.ttftUs !== undefined || r.observed.e2eUs !== undefined));
  if (withObs.length === 0) return null;
  const observedRows: LatencyRow[] = withObs.map((r, i) => (countedOutputTokens ? { ...observedRow(i, r), outputTokensCounted: true as const } : observedRow(i, r)));
  const predictedRows = rowsFromRecords(withObs);
  const stages = compareSides(sideFromRows(predictedRows), sideFromRows(observedRows));
  const summary = stages.find((s) => s.index === 'summary')!;
  const rows: string[][] = [['metric', 'simulated ms', 'observed ms', 'error %']];
  for (const [k, m] of Object.entries(summary.metrics)) {
    rows.push([k, m.predicted === null ? '-' : m.predicted.toFixed(2), m.actual.toFixed(2), m.error_pct === null ? '-' : `${m.error_pct >= 0 ? '+' : ''}${m.error_pct.toFixed(1)}`]);
  }
  // Null, not 0 %, when no request had the latency on both sides (percentileSorted reads 0 then).
  const perRequest = (pick: (row: LatencyRow) => number): { n: number; median_abs_pct: number | null; p90_abs_pct: number | null } => {
    const errs: number[] = [];
    for (let i = 0; i < withObs.length; i++) {
      const obs = pick(observedRows[i]!);
      const sim = pick(predictedRows[i]!);
      if (obs > 0 && sim >= 0 && !predictedRows[i]!.error) errs.push((Math.abs(sim - obs) / obs) * 100);
    }
    errs.sort((a, b) => a - b);
    if (errs.length === 0) return { n: 0, median_abs_pct: null, p90_abs_pct: null };
    return { n: errs.length, median_abs_pct: round2(percentileSorted(errs, 0.5)), p90_abs_pct: round2(percentileSorted(errs, 0.9)) };
  };
  const ttft = perRequest((r) => r.ttftUs);
  const e2e = perRequest((r) => r.e2eUs);
  let text = `\nper-request comparison against the trace's observed latencies (${withObs.length} requests)\n`;
  text += table(rows);
  const counted = observedRows.filter((r) => r.outputTokensCounted).length;
  if (counted > 0) {
    // The observed decode time spans the tokens the server decoded; the count beside it is shorter.
    text += `TPOT and ITL not compared for ${counted} request(s): the trace's output lengths are the client's re-tokenised counts (output_tokens_counted), not the decoded lengths; the simulated requests decode those counts, so their E2E is short wherever the counts under-count\n`;
  }
  const d = summary.distributions ?? {};
  const dist = Object.entries(d).map(([k, v]) => `${k}: KS ${v!.ks.toFixed(3)}, Wasserstein ${v!.w1_ms.toFixed(2)} ms`).join('; ');
  if (dist) text += `distributions: ${dist}\n`;
  const pct = (x: number | null): string => (x === null ? '-' : `${x.toFixed(1)}%`);
  text += `per request |simulated − observed| / observed: TTFT median ${pct(ttft.median_abs_pct)}, p90 ${pct(ttft.p90_abs_pct)} (n=${ttft.n}); E2E median ${pct(e2e.median_abs_pct)}, p90 ${pct(e2e.p90_abs_pct)} (n=${e2e.n})\n`;
  return { requests: withObs.length, text, json: { requests: withObs.length, stages, per_request: { ttft, e2e } } };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
