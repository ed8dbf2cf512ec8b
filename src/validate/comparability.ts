/**
 * Whether a prediction and a ground truth describe the same experiment before their latencies
 * are scored: the same model, about the same number of requests, the same stages and the same
 * request shape (mean prompt and output tokens). Percentile errors between a 200-request
 * Qwen3-14B chatbot run and a 9,000-request Llama-2-7B codegen experiment are numbers about
 * nothing; `blis compare` refuses them unless told otherwise.
 */
import { catalogModelName } from '../cluster/served-models.js';
import type { PredictionInput, TruthInput } from './compare-files.js';
import type { LatencyRow } from './requests.js';

/** What can be read off either side (undefined: the side does not say). */
export interface RunFacts {
  readonly model?: string;
  readonly requests?: number;
  readonly stages?: number;
  readonly meanInputTokens?: number;
  readonly meanOutputTokens?: number;
}

/** Request counts may differ by this fraction (a synthetic stage can round its count), or by 2. */
export const REQUEST_COUNT_TOLERANCE = 0.02;
/** Mean prompt and output lengths may differ by this fraction (re-tokenised counts, sampling noise). */
export const TOKEN_MEAN_TOLERANCE = 0.25;

type Obj = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function fromRows(rows: readonly LatencyRow[]): RunFacts {
  const stages = new Set<number>();
  let input = 0;
  let output = 0;
  let counted = 0;
  for (const r of rows) {
    if (r.stage !== undefined) stages.add(r.stage);
    if (r.error) continue;
    input += r.inputTokens;
    output += r.outputTokens;
    counted++;
  }
  return {
    requests: rows.length,
    ...(stages.size > 0 ? { stages: stages.size } : {}),
    ...(counted > 0 ? { meanInputTokens: input / counted, meanOutputTokens: output / counted } : {}),
  };
}

export function predictionFacts(p: PredictionInput): RunFacts {
  if (p.kind === 'rows') return fromRows(p.rows);
  const doc = (p.doc ?? {}) as Obj;
  const config = (doc['config'] ?? {}) as Obj;
  const requests = (doc['requests'] ?? {}) as Obj;
  const throughput = (doc['throughput'] ?? {}) as Obj;
  const rps = num(throughput['requests_per_s']);
  const perRequest = (x: unknown): number | undefined => (rps !== undefined && rps > 0 && num(x) !== undefined ? num(x)! / rps : undefined);
  const meanInputTokens = perRequest(throughput['input_tokens_per_s']);
  const meanOutputTokens = perRequest(throughput['output_tokens_per_s']);
  return {
    ...(typeof config['model'] === 'string' ? { model: config['model'] } : {}),
    ...(num(requests['injected']) !== undefined ? { requests: num(requests['injected'])! } : {}),
    ...(Array.isArray(doc['stages']) && doc['stages'].length > 0 ? { stages: doc['stages'].length } : {}),
    ...(meanInputTokens !== undefined ? { meanInputTokens } : {}),
    ...(meanOutputTokens !== undefined ? { meanOutputTokens } : {}),
  };
}

export function truthFacts(t: TruthInput): RunFacts {
  if (t.kind === 'rows') return fromRows(t.rows);
  if (t.kind === 'summary') return t.summary.facts;
  const e = t.experiment;
  const fromRequests = t.rows !== undefined ? fromRows(t.rows) : {};
  const stagesTotal = e.workload.stages.reduce((a, s) => a + s.numRequests, 0);
  const requests = e.truth.summary.requestsSent ?? (stagesTotal > 0 ? stagesTotal : fromRequests.requests);
  const meanInputTokens = fromRequests.meanInputTokens ?? e.workload.promptLenTokens?.mean ?? e.truth.summary.promptLenTokens?.mean;
  const meanOutputTokens = fromRequests.meanOutputTokens ?? e.workload.outputTokens ?? undefined;
  return {
    model: e.model,
    ...(requests !== undefined ? { requests } : {}),
    ...(e.workload.stages.length > 0 ? { stages: e.workload.stages.length } : fromRequests.stages !== undefined ? { stages: fromRequests.stages } : {}),
    ...(meanInputTokens !== undefined ? { meanInputTokens } : {}),
    ...(meanOutputTokens !== undefined ? { meanOutputTokens } : {}),
  };
}

const canonical = (m: string): string => catalogModelName(m) ?? m.toLowerCase();
const differ = (a: number, b: number, tol: number): boolean => Math.abs(a - b) > tol * Math.max(Math.abs(a), Math.abs(b));

/** Every way the two sides describe different experiments (empty when they may be compared). */
export function comparabilityProblems(pred: RunFacts, truth: RunFacts): string[] {
  const out: string[] = [];
  if (pred.model !== undefined && truth.model !== undefined && canonical(pred.model) !== canonical(truth.model)) {
    out.push(`model: the prediction simulated ${pred.model}, the truth measured ${truth.model}`);
  }
  if (pred.requests !== undefined && truth.requests !== undefined
    && Math.abs(pred.requests - truth.requests) > Math.max(2, REQUEST_COUNT_TOLERANCE * truth.requests)) {
    out.push(`request count: ${pred.requests} predicted against ${truth.requests} measured`);
  }
  if (pred.stages !== undefined && truth.stages !== undefined && pred.stages !== truth.stages) {
    out.push(`workload: ${pred.stages} stage(s) predicted against ${truth.stages} measured`);
  }
  for (const [what, p, t] of [['prompt', pred.meanInputTokens, truth.meanInputTokens], ['output', pred.meanOutputTokens, truth.meanOutputTokens]] as const) {
    if (p !== undefined && t !== undefined && differ(p, t, TOKEN_MEAN_TOLERANCE)) {
      out.push(`workload: mean ${what} ${p.toFixed(0)} tokens predicted against ${t.toFixed(0)} measured`);
    }
  }
  return out;
}
