/**
 * The price table of the hardware catalog (./hardware.json `prices`): what one GPU costs for
 * one hour, with its unit and source, and the `--gpu-price H100=2.1,A100-80=1.3` override.
 * The catalog's prices are on-demand list prices; a planner with a contract price overrides them.
 */
import { createRequire } from 'node:module';
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
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    const price = eq < 0 ? NaN : Number(part.slice(eq + 1));
    if (name === '' || part.slice(eq + 1).trim() === '' || !Number.isFinite(price) || price < 0) {
      throw new InputError('FLAG_MALFORMED', where, `found '${part}'; expected GPU=price per GPU-hour (${CATALOG_PRICES.unit}), e.g. H100=2.10`);
    }
    out[canonical(name)] = price;
  }
  if (Object.keys(out).length === 0) throw new InputError('FLAG_MALFORMED', where, `found '${text}'; expected GPU=price,... e.g. H100=2.10,A100-80=1.30`);
  return out;
}

/** The catalog table with `overrides` (by GPU name or alias) on top. */
export function priceTable(overrides: Readonly<Record<string, number>> = {}): PriceTable {
  const names = Object.keys(overrides);
  if (names.length === 0) return CATALOG_PRICES;
  const per: Record<string, number> = { ...CATALOG_PRICES.perGpuHour };
  for (const n of names) per[canonical(n)] = overrides[n]!;
  return Object.freeze({
    unit: CATALOG_PRICES.unit,
    source: `--gpu-price for ${names.map(canonical).sort().join(', ')}; otherwise ${CATALOG_PRICES.source}`,
    perGpuHour: Object.freeze(per),
  });
}

/** Price per GPU-hour of a GPU; null when the table has none. */
export function gpuPrice(table: PriceTable, hardware: string): number | null {
  return table.perGpuHour[canonical(hardware)] ?? null;
}
