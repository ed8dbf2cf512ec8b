/**
 * The metrics JSON's `cost` block: GPU-hours per GPU type (tp × the time each instance was
 * billed) × the price table's price per GPU-hour. A fixed fleet is billed for the whole
 * simulated time; an autoscaled one for each replica's lifetime (src/control/accounting.ts).
 */
import { gpuPrice, type PriceTable } from '../model/prices.js';
import { round } from './summary.js';
import { US_PER_H } from '../kernel/units.js';

export interface BilledInstance {
  readonly hardware: string;
  readonly tp: number;
  /** Billed time, µs. */
  readonly billedUs: number;
  /** Part of the fleet at the start (fleet_per_hour counts these). */
  readonly initial: boolean;
}

export interface CostBlock {
  /** Currency of `total`, `fleet_per_hour` and the per-unit costs. */
  unit: string;
  price_unit: string;
  price_source: string;
  price_per_gpu_hour: Record<string, number | null>;
  gpu_hours: Record<string, number>;
  /** GPU-hours × price over the run; null when a GPU type has no price. */
  total: number | null;
  /** What the initial fleet costs per hour of operation. */
  fleet_per_hour: number | null;
  per_million_output_tokens: number | null;
  per_thousand_requests: number | null;
}

/**
 * What a fleet of `pools` costs per hour as it starts (the cost block's `fleet_per_hour`, which
 * counts the initial instances): Σ count × TP × price per GPU-hour. Null when a GPU has no price.
 */
export function fleetPerHour(pools: ReadonlyArray<{ readonly hardware: { readonly name: string }; readonly tp: number; readonly count: number }>, prices: PriceTable): number | null {
  let total = 0;
  for (const p of pools) {
    if (p.count === 0) continue;
    const price = gpuPrice(prices, p.hardware.name);
    if (price === null) return null;
    total += p.count * p.tp * price;
  }
  return total;
}

/** `completed` and `outputTokens` count the run's completed requests and their tokens. */
export function costBlock(instances: readonly BilledInstance[], prices: PriceTable, completed: number, outputTokens: number): CostBlock {
  const gpuHours = new Map<string, number>();
  const price: Record<string, number | null> = {};
  let total: number | null = 0;
  let fleet: number | null = 0;
  for (const i of instances) {
    const p = gpuPrice(prices, i.hardware);
    price[i.hardware] = p;
    const gh = (i.tp * i.billedUs) / US_PER_H;
    gpuHours.set(i.hardware, (gpuHours.get(i.hardware) ?? 0) + gh);
    total = p === null || total === null ? null : total + gh * p;
    if (i.initial) fleet = p === null || fleet === null ? null : fleet + i.tp * p;
  }
  const per = (x: number, n: number): number | null => (total === null || n <= 0 ? null : round(x * total / n));
  return {
    unit: prices.unit.split(' per ')[0]!,
    price_unit: prices.unit,
    price_source: prices.source,
    price_per_gpu_hour: Object.fromEntries(Object.keys(price).sort().map((k) => [k, price[k]!])),
    gpu_hours: Object.fromEntries([...gpuHours.keys()].sort().map((k) => [k, round(gpuHours.get(k)!)])),
    total: total === null ? null : round(total),
    fleet_per_hour: fleet === null ? null : round(fleet),
    per_million_output_tokens: per(1e6, outputTokens),
    per_thousand_requests: per(1e3, completed),
  };
}
