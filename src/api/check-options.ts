/**
 * What the library functions accept, checked before anything is resolved. A caller from plain
 * JavaScript (or a spread of a loosely typed object) gets no compiler to catch a misspelt option
 * or a string where a number belongs: `simulate({ numInstance: 8 })` would run one instance,
 * `validate({ path: [...] })` all sixteen shipped experiments, and `enablePrefixCaching: 'false'`
 * would turn caching on. Each is refused here, naming the option.
 */
import type { ClusterOptions } from '../cluster/config.js';
import { InputError, closeNames, showValue } from '../kernel/errors.js';
import type { WorkloadOptions } from '../workload/resolve.js';
import type { SimulationOptions } from './simulate.js';
import type { ValidationOptions } from './validate.node.js';

export type Kind = 'number' | 'string' | 'boolean' | 'object' | 'function' | 'iterable';

/** Every cluster option and the JavaScript type it must have; the compiler refuses a forgotten one. */
export const CLUSTER_OPTION_KINDS = {
  model: 'string', modelSpec: 'object', generation: 'object', hardware: 'string', hardwareSpec: 'object',
  tp: 'number', numInstances: 'number', latencyModel: 'string', latencyCoefficients: 'object',
  latencyCoefficientsFile: 'string', maxNumBatchedTokens: 'number', maxNumSeqs: 'number',
  longPrefillTokenThreshold: 'number', asyncScheduling: 'boolean', kvCpuBytes: 'number', kvCpuBlocks: 'number',
  scheduler: 'string', blockSize: 'number', totalKvBlocks: 'number', gpuMemoryUtilization: 'number',
  maxModelLen: 'number', noteUnservableMaxModelLen: 'boolean', enablePrefixCaching: 'boolean',
  enableChunkedPrefill: 'boolean', kvCacheDtype: 'string', disableHybridKvCacheManager: 'boolean',
  warmKernelCache: 'boolean', routingPolicy: 'string', routingScorers: 'string', routingScorerOptions: 'object',
  snapshotRefreshIntervalMs: 'number', inFlightTracking: 'boolean', clientTimeoutS: 'number', seed: 'number',
  admissionPolicy: 'string', queueDepthThreshold: 'number', kvCacheUtilThreshold: 'number',
  metricsStalenessThresholdMs: 'number', tokenBucketRate: 'number', tokenBucketBurst: 'number',
  flowControl: 'boolean', requestTtlS: 'number', maxGatewayQueue: 'number', cacheSignalDelayMs: 'number',
  admissionLatencyMs: 'number', routingLatencyMs: 'number', pools: 'object', prefillInstances: 'number',
  decodeInstances: 'number', prefillHardware: 'string', decodeHardware: 'string', prefillTp: 'number',
  decodeTp: 'number', pdDecider: 'string', pdPrefixThreshold: 'number', pdTransferBandwidthGBs: 'number',
  pdTransferLatencyMs: 'number', maxInstances: 'number', plugins: 'object', dataParallelSize: 'number', enableExpertParallel: 'boolean',
} as const satisfies Record<keyof ClusterOptions, Kind>;

export const WORKLOAD_OPTION_KINDS = {
  preset: 'string', spec: 'object', rate: 'number', numRequests: 'number', durationS: 'number', arrival: 'string', seed: 'number',
} as const satisfies Record<keyof WorkloadOptions, Kind>;

export const SIMULATION_OPTION_KINDS = {
  ...CLUSTER_OPTION_KINDS, ...WORKLOAD_OPTION_KINDS,
  arrivals: 'iterable', onRecord: 'function', traces: 'object', traceTokenEvery: 'number',
  horizonS: 'number', maxConcurrency: 'number', onProgress: 'function', signal: 'object',
} as const satisfies Record<keyof SimulationOptions, Kind>;

export const VALIDATION_OPTION_KINDS = {
  paths: 'object', arrivals: 'string', seed: 'number', latencyModel: 'string', latencyCoefficients: 'object',
  baseline: 'object', jobs: 'number', workerUrl: 'object', onLoaded: 'function', onProgress: 'function',
} as const satisfies Record<keyof ValidationOptions, Kind>;

function hasKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'object': return typeof value === 'object' && value !== null;
    case 'iterable': return typeof value === 'object' && value !== null
      && (Symbol.iterator in value || Symbol.asyncIterator in value);
    default: return typeof value === kind;
  }
}

const EXPECTED: Readonly<Record<Kind, string>> = {
  number: 'a number', string: 'a string', boolean: 'true or false', object: 'an object',
  function: 'a function', iterable: 'an iterable or async iterable of ArrivalRequest',
};

/** A value as the message quotes it, its type said where JSON would hide it ('4' is a string). */
function shown(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return `the string '${value}'`;
  if (Array.isArray(value)) return `an array`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return showValue(value);
}

/**
 * Refuses what `fn` would otherwise ignore or coerce: options that are not an object, a name that
 * is not an option (UNKNOWN_OPTION, with the close names), a value of the wrong type
 * (OPTION_INVALID). Undefined values count as absent, as everywhere in the resolvers.
 */
export function checkOptions(fn: string, options: unknown, kinds: Readonly<Record<string, Kind>>): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError('OPTION_INVALID', `${fn}(options)`, `found ${shown(options)}; expected an object of options`);
  }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(kinds, name)) {
      const close = closeNames(name, Object.keys(kinds));
      throw new InputError('UNKNOWN_OPTION', name, `not an option of ${fn}${close.length ? `; did you mean ${close.join(', ')}?` : ''} (docs/api.md lists them)`);
    }
    const kind = kinds[name]!;
    if (!hasKind(value, kind)) {
      throw new InputError('OPTION_INVALID', name, `found ${shown(value)}; expected ${EXPECTED[kind]}`);
    }
  }
}
