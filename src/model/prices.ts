/**
 * The price table of the hardware catalog (./hardware.json `prices`): what one GPU costs for
 * one hour, with its unit and source, and the `--gpu-price H100=2.1,A100-80=1.3` override.
 * The catalog's prices are on-demand list prices; a planner with a contract price overrides them.
 */
import { createRequire } from 'node:module';
import { decimalNumber } from '../kernel/decimal.js';
import { InputError } from '../kernel/errors.js';
import { findHardware } from './hardware-catalog.js';

interface PricesFile {
  readonly prices: { readonly unit: string; readonly source: string; readonly per_gpu_hour: Readonly<Record<string, number>> };
}

const file = createRequire(import.meta.url)('./hardware.json') as PricesFile;

export interface PriceTable {
  /** Always "USD per GPU-hour" for the catalog; an override keeps the unit. */
  readonly unit: string;
  readonly source: string;
  /** Price per GPU-hour by catalog name (or by a `--hardware-config` GPU's own name). */
  readonly perGpuHour: Readonly<Record<string, number>>;
}

export const CATALOG_PRICES: PriceTable = Object.freeze({
  unit: file.prices.unit,
  source: file.prices.source,
  perGpuHour: Object.freeze({ ...file.prices.per_gpu_hour }),
});

/** The catalog's name for a GPU name or alias; unknown names (a --hardware-config GPU) stay as given. */
function canonical(name: string): string {
  return findHardware(name)?.name ?? name.trim();
}

/** Parses `NAME=PRICE,...` (prices per GPU-hour in the table's unit). */
export function parseGpuPrices(text: string, where = '--gpu-price'): Record<string, number> {
  // A Map, then fromEntries: a GPU name is the user's, never an object's own machinery (__proto__).
  const out = new Map<string, number>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    const price = eq < 0 ? NaN : decimalNumber(part.slice(eq + 1));
    if (name === '' || part.slice(eq + 1).trim() === '' || !Number.isFinite(price) || price < 0) {
      throw new InputError('FLAG_MALFORMED', where, `found '${part}'; expected GPU=price per GPU-hour (${CATALOG_PRICES.unit}), e.g. H100=2.10`);
    }
    const gpu = canonical(name);
    if (out.has(gpu)) throw new InputError('FLAG_MALFORMED', where, `GPU '${gpu}' is priced twice ('${part}' and an earlier entry); expected each GPU once`);
    out.set(gpu, price);
  }
  if (out.size === 0) throw new InputError('FLAG_MALFORMED', where, `found '${text}'; expected GPU=price,... e.g. H100=2.10,A100-80=1.30`);
  return Object.fromEntries(out);
}

/** The catalog table with `overrides` (by GPU name or alias) on top. */
export function priceTable(overrides: Readonly<Record<string, number>> = {}): PriceTable {
  const names = Object.keys(overrides);
  if (names.length === 0) return CATALOG_PRICES;
  const per = Object.fromEntries([...Object.entries(CATALOG_PRICES.perGpuHour), ...names.map((n) => [canonical(n), overrides[n]!] as const)]);
  return Object.freeze({
    unit: CATALOG_PRICES.unit,
    source: `--gpu-price for ${names.map(canonical).sort().join(', ')}; otherwise ${CATALOG_PRICES.source}`,
    perGpuHour: Object.freeze(per),
  });
}

/** Price per GPU-hour of a GPU; null when the table has none. */
export function gpuPrice(table: PriceTable, hardware: string): number | null {
  // Own keys only: a GPU named like an Object.prototype member (a --hardware-config name) has no price.
  const key = canonical(hardware);
  return Object.hasOwn(table.perGpuHour, key) ? table.perGpuHour[key]! : null;
}
