/**
 * `--slo`, `--slo-class` and `--gpu-price`: the targets a run is judged by and the prices its
 * GPUs cost (run, replay, capacity and sweep share them).
 */
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { CATALOG_PRICES, parseGpuPrices, priceTable, type PriceTable } from '../model/prices.js';
import { listFlag } from './parse.js';
import { mergeSlo, parseSloClass, parseSloTargets, NO_SLO, type SloSpec, type SloTargets } from '../workload/slo.js';

export function addSloFlags(cmd: Command): Command {
  return cmd
    .option('--slo <targets>', 'SLO targets in ms, <metric>_<stat>=<ms>,...: metric ttft, tpot, itl, e2e or queue; stat mean, p50, p90, p95, p99 or max (e.g. ttft_p99=200,tpot_p50=30)')
    .option('--slo-class <class:targets>', 'targets of one SLO class (requests carrying slo_class), repeatable; replaces the workload spec\'s slo_classes entry (e.g. batch:e2e_p99=60000)', listFlag())
    .option('--gpu-price <list>', `price per GPU-hour by GPU, overriding the catalog's (${CATALOG_PRICES.unit}), e.g. H100=2.10,A100-80=1.30`);
}

/** The run's SLO: the spec's classes under the flags. */
export function sloFromFlags(cmd: Command, specClasses: Readonly<Record<string, SloTargets>> = {}): SloSpec {
  const o = cmd.opts<Record<string, unknown>>();
  // A Map, then fromEntries: a class name is the user's (__proto__ and constructor included), never an object's own machinery.
  const classes = new Map<string, SloTargets>();
  for (const text of (o['sloClass'] as string[] | undefined) ?? []) {
    const c = parseSloClass(text);
    if (classes.has(c.name)) throw new InputError('SLO_DUPLICATE_CLASS', '--slo-class', `class '${c.name}' is given twice; expected each class once (the last would silently win)`);
    classes.set(c.name, c.targets);
  }
  return mergeSlo({ ...NO_SLO, classes: specClasses }, {
    ...(typeof o['slo'] === 'string' ? { default: parseSloTargets(o['slo']) } : {}),
    classes: Object.fromEntries(classes),
  });
}

export function pricesFromFlags(cmd: Command): PriceTable {
  const text = cmd.opts<Record<string, unknown>>()['gpuPrice'];
  return typeof text === 'string' ? priceTable(parseGpuPrices(text)) : priceTable();
}
