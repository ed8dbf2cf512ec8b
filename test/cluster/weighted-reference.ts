/**
 * Exact token-weighted summary, the reference the histogram is tested against: each value
 * repeated w times, then the metrics JSON's sorted-sample percentiles.
 */
import { summarize, type DistributionSummary } from '../../src/cluster/summary.js';

export function summarizeWeighted(values: ArrayLike<number>, weights: ArrayLike<number>, n: number, scale = 1): DistributionSummary {
  const expanded: number[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < weights[i]!; k++) expanded.push(values[i]!);
  return summarize(expanded, expanded.length, scale);
}
