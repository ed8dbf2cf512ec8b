/**
 * The workload room: what arrives, when, and how long it is. It owns the arrival stream
 * contract (request.ts), the arrival processes (arrival.ts), token-length distributions
 * (lengths.ts), named presets (presets.ts), the YAML workload spec (spec.ts), option
 * resolution (resolve.ts) and the generator (generate.ts). Read request.ts, then resolve.ts,
 * then generate.ts. docs/workloads.md explains the model and the presets' numbers.
 */
export * from './request.js';
export type { Random } from '../kernel/random.js';
export { ARRIVAL_PROCESSES, type ArrivalEntry, type ArrivalProcess } from './arrival.js';
export { LENGTH_DISTRIBUTIONS, type LengthDist, type LengthEntry, type LengthSampler, createLengthSampler, parseLengthDist } from './lengths.js';
export type { Entry, OptionSpec, OptionValues } from './options.js';
export { PRESETS, type PresetEntry, calibrationClient } from './presets.js';
export { WORKLOAD_DEFAULTS, type WorkloadOptions, parseArrivalFlag, resolveWorkload } from './resolve.js';
export { generateArrivals } from './generate.js';
export { renderWorkloadReference } from './reference.js';
export { parseWorkloadSpec } from './spec.js';
export type * from './types.js';
export * from './slo.js';
