/**
 * Pool layout resolution: explicit pools (several models, mixed layouts), the P/D flags
 * (--prefill-instances/--decode-instances with per-pool hardware and TP) or one unified pool of
 * --num-instances. Pools inherit the top-level model, hardware, TP and engine knobs they do not set.
 */
import { InputError, positiveInt } from '../kernel/errors.js';
import type { HardwareSpec } from '../model/hardware.js';
import type { ModelSpec } from '../model/model-spec.js';
import { getModel } from '../model/catalog.js';
import { getHardware } from '../model/hardware-catalog.js';
import { kvSizing, validateTp, vllmBatchDefaults, withKvCacheDtype } from '../model/kv-sizing.js';
import { kvCacheGroups, type KvCacheGroups } from '../model/kv-groups.js';
import { cpuTierFor } from './cpu-tier-config.js';
import type { PoolConfig, PoolEngineConfig, PoolOptions, PoolRole } from './pools.js';
import { checkBudgetHoldsSeqs, vllmDefaultBudget } from '../engine/config.js';

/** The layout flags (a subset of ClusterOptions). */
export interface PoolLayoutOptions {
  pools?: PoolOptions[];
  numInstances?: number;
  prefillInstances?: number;
  decodeInstances?: number;
  prefillHardware?: string;
  decodeHardware?: string;
  prefillTp?: number;
  decodeTp?: number;
  maxInstances?: number;
}

/** What a pool inherits when it does not say. */
export interface PoolDefaults {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  readonly gpuMemoryUtilization: number;
  /** --total-kv-blocks was given: it applies to every pool that does not set its own. */
  readonly totalKvBlocksGiven: boolean;
  /** Derived pool caches must hold one engine.maxModelLen request (KV_CAPACITY otherwise, as vLLM refuses to start). */
  readonly checkMaxModelLen: boolean;
  readonly engine: PoolEngineConfig;
  /** Which batch knobs were given at the top level; the others follow each pool's GPU (vLLM's defaults). */
  readonly batchGiven: { readonly maxNumBatchedTokens: boolean; readonly maxNumSeqs: boolean };
  /** CPU tier per GPU (bytes) or per instance (blocks), re-derived for pools of another model, GPU or TP. */
  readonly kvCpuBytes: number;
  readonly kvCpuBlocks: number;
  /** vLLM --kv-cache-dtype: a pool serving another model stores its KV cache the same way. */
  readonly kvCacheDtype: string;
  /** vLLM --disable-hybrid-kv-cache-manager: sliding-window layers keep whole contexts in every pool. */
  readonly disableHybridKvCacheManager: boolean;
}

export interface PoolLayout {
  readonly pools: readonly PoolConfig[];
  readonly numInstances: number;
  readonly source: 'explicit' | 'flag' | 'derived';
}

/** `unifiedCount` reads --num-instances (with its default) when no pool layout is given. */
export function resolvePools(options: PoolLayoutOptions, d: PoolDefaults, unifiedCount: () => number): PoolLayout {

  const { model, hardware, tp, gpuMemoryUtilization, engine } = d;
  const poolFor = (o: PoolOptions, where: string): PoolConfig => {
    const own = o.modelSpec ?? (o.model !== undefined ? getModel(o.model, `${where}.model`) : undefined);
    const pModel = own !== undefined ? withKvCacheDtype(own, d.kvCacheDtype) : model;
    const pHardware = o.hardwareSpec ?? (o.hardware !== undefined ? getHardware(o.hardware, `${where} hardware`) : hardware);
    const pTp = o.tp !== undefined ? positiveInt(o.tp, `${where} tp`) : tp;
    validateTp(pModel, pTp, `${where} tp`);
    const count = nonNegativeInt(o.count, `${where} count`);
    const role: PoolRole = o.role ?? 'unified';
    const gpuMem = o.gpuMemoryUtilization ?? gpuMemoryUtilization;
    const batch = vllmBatchDefaults(pHardware);
    const mssGiven = o.maxNumSeqs !== undefined || d.batchGiven.maxNumSeqs;
    let mss = o.maxNumSeqs !== undefined ? positiveInt(o.maxNumSeqs, `${where} maxNumSeqs`)
      : d.batchGiven.maxNumSeqs ? engine.maxNumSeqs : batch.maxNumSeqs;
    const poolDefaultBudget = vllmDefaultBudget(batch.maxNumBatchedTokens, engine.maxModelLen, mss, engine.enableChunkedPrefill);
    const mbt = o.maxNumBatchedTokens !== undefined ? positiveInt(o.maxNumBatchedTokens, `${where} maxNumBatchedTokens`)
      : d.batchGiven.maxNumBatchedTokens ? engine.maxNumBatchedTokens : poolDefaultBudget;
    // vLLM's default sequence cap is at most the token budget (engine/arg_utils.py).
    if (!mssGiven) mss = Math.min(mss, mbt);
    checkBudgetHoldsSeqs(mbt, mss, `${where} maxNumBatchedTokens`);
    const cpuTier = pModel === model && pHardware === hardware && pTp === tp ? engine.cpuTier
      : cpuTierFor({ model: pModel, hardware: pHardware, tp: pTp, blockSize: engine.blockSize, kvCpuBytes: d.kvCpuBytes, kvCpuBlocks: d.kvCpuBlocks })?.tier ?? null;
    // vLLM 0.15 turns the hybrid KV cache manager off behind any KV connector (CPU offload, P/D transfer).
    const kvGroups = kvCacheGroups(pModel, d.disableHybridKvCacheManager ? 'flag' : cpuTier !== null || role !== 'unified' ? 'kv-connector' : null);
    const sameAsTop = pModel === model && pHardware === hardware && pTp === tp && gpuMem === gpuMemoryUtilization && mbt === engine.maxNumBatchedTokens && mss === engine.maxNumSeqs
      && sameGroups(kvGroups, engine.kvGroups);
    const kvBlocks = o.totalKvBlocks !== undefined ? positiveInt(o.totalKvBlocks, `${where} totalKvBlocks`)
      : d.totalKvBlocksGiven || sameAsTop ? engine.totalKvBlocks
      : kvSizing({ model: pModel, hardware: pHardware, tp: pTp, gpuMemoryUtilization: gpuMem, blockSize: engine.blockSize, maxNumBatchedTokens: mbt, maxNumSeqs: mss, kvGroups,
        ...(d.checkMaxModelLen ? { maxModelLen: engine.maxModelLen } : {}), where: `${where} gpuMemoryUtilization` }).totalKvBlocks;
    return Object.freeze({
      name: o.name ?? role,
      role,
      model: pModel,
      hardware: pHardware,
      tp: pTp,
      count,
      engine: Object.freeze({
        ...engine,
        maxNumBatchedTokens: mbt,
        maxNumSeqs: mss,
        totalKvBlocks: kvBlocks,
        cpuTier,
        kvGroups,
      }),
    });
  };

  let pools: PoolConfig[];
  let source: PoolLayout['source'];
  let numInstances: number;
  const pdFlags = options.prefillInstances !== undefined || options.decodeInstances !== undefined;
  if (options.pools !== undefined) {
    if (pdFlags) throw new InputError('FLAG_CONFLICT', '--prefill-instances', 'explicit pools and --prefill-instances/--decode-instances cannot be combined');
    pools = options.pools.map((p, k) => poolFor(p, `pools[${k}]`));
    source = 'explicit';
    const names = new Set<string>();
    for (const p of pools) {
      if (names.has(p.name)) throw new InputError('POOL_DUPLICATE', `pool '${p.name}'`, 'pool names must be unique');
      names.add(p.name);
    }
    numInstances = pools.reduce((a, p) => a + p.count, 0);
    if (options.numInstances !== undefined && options.numInstances !== numInstances) {
      throw new InputError('POOLS_MISMATCH', '--num-instances', `pools hold ${numInstances} instances (${pools.map((p) => `${p.name} ${p.count}`).join(' + ')}) but --num-instances is ${options.numInstances}`);
    }
  } else if (pdFlags) {
    const p = options.prefillInstances ?? 0;
    const d = options.decodeInstances ?? 0;
    if (!Number.isInteger(p) || p < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--prefill-instances', `found ${options.prefillInstances ?? 'nothing'}; a disaggregated layout needs at least 1 prefill instance (and --decode-instances)`);
    if (!Number.isInteger(d) || d < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--decode-instances', `found ${options.decodeInstances ?? 'nothing'}; a disaggregated layout needs at least 1 decode instance (and --prefill-instances)`);
    if (options.numInstances !== undefined && p + d !== options.numInstances) {
      throw new InputError('POOLS_MISMATCH', '--num-instances', `--prefill-instances ${p} + --decode-instances ${d} = ${p + d} instances, but --num-instances is ${options.numInstances}; they must add up`);
    }
    numInstances = p + d;
    pools = [
      poolFor({ name: 'prefill', role: 'prefill', count: p, ...(options.prefillHardware !== undefined ? { hardware: options.prefillHardware } : {}), ...(options.prefillTp !== undefined ? { tp: options.prefillTp } : {}) }, '--prefill'),
      poolFor({ name: 'decode', role: 'decode', count: d, ...(options.decodeHardware !== undefined ? { hardware: options.decodeHardware } : {}), ...(options.decodeTp !== undefined ? { tp: options.decodeTp } : {}) }, '--decode'),
    ];
    source = 'flag';
  } else {
    if (options.prefillHardware !== undefined || options.decodeHardware !== undefined || options.prefillTp !== undefined || options.decodeTp !== undefined) {
      throw new InputError('FLAG_CONFLICT', '--prefill-hardware', 'per-pool hardware/TP flags need --prefill-instances and --decode-instances');
    }
    numInstances = unifiedCount();
    pools = [poolFor({ name: 'unified', role: 'unified', count: numInstances }, '--num-instances')];
    source = 'derived';
  }
  // Explicit pools may start empty when there is room to add instances (an autoscaler starting from zero).
  if (numInstances < 1 && !(source === 'explicit' && (options.maxInstances ?? 0) > 0)) throw new InputError('FLAG_OUT_OF_RANGE', '--num-instances', 'the pools hold no instance; expected at least 1');
  validatePoolsPerModel(pools);
  return { pools: Object.freeze(pools), numInstances, source };
}

/** Every model needs somewhere to send whole requests, and a prefill pool needs a decode pool of its model. */
function validatePoolsPerModel(pools: readonly PoolConfig[]): void {
  const models = new Set(pools.map((p) => p.model.name));
  for (const m of models) {
    const roles = new Set(pools.filter((p) => p.model.name === m).map((p) => p.role));
    if (roles.has('prefill') && !roles.has('decode')) {
      throw new InputError('POOLS_INVALID', `model '${m}'`, 'has a prefill pool but no decode pool; disaggregated requests need both');
    }
    if (!roles.has('unified') && !roles.has('decode')) {
      throw new InputError('POOLS_INVALID', `model '${m}'`, 'has no unified or decode pool to serve requests');
    }
  }
}

function nonNegativeInt(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 0) throw new InputError('FLAG_OUT_OF_RANGE', where, `found ${value}; expected an integer >= 0`);
  return value;
}

function sameGroups(a: KvCacheGroups | null, b: KvCacheGroups | null): boolean {
  if (a === null || b === null) return a === b;
  return a.layersPerGroup === b.layersPerGroup && a.fullGroups === b.fullGroups && a.slidingGroups === b.slidingGroups && a.slidingWindow === b.slidingWindow;
}
