/**
 * KV-cache sizing and TP validity, mirroring vLLM 0.15 (v1/worker/gpu_worker.py
 * determine_available_memory; kv_cache_interface.py page size): blocks per GPU =
 * (visible memory × gpu_memory_utilization − weights/TP − reserve) / bytes per block per GPU.
 */
import { InputError } from '../kernel/errors.js';
import type { ModelSpec } from './model-spec.js';
import type { HardwareSpec } from './hardware.js';

/**
 * Memory constants, calibrated on the 16 vLLM 0.15.1 H100 runs in the calibration set
 * (Llama-2-7B TP1, CodeLlama-34B TP2, Mixtral-8x7B TP2, Llama-2-70B TP4; max_num_batched_tokens
 * 2048): the measured num_gpu_blocks imply ~0.46 GB unaccounted memory at TP1 and ~0.95 GB at TP>1.
 */
export const KV_MEMORY_DEFAULTS = Object.freeze({
  /** Fraction of the marketed GiB that CUDA reports as total (H100 80GB: 79.2 of 80 GiB). */
  visibleMemoryFraction: 0.99,
  /** Peak activations during vLLM's profile run plus non-torch (CUDA context) memory, bytes. */
  reserveBytes: 0.45e9,
  /** Extra reserve with TP > 1: NCCL and custom all-reduce buffers, bytes. */
  tpCommReserveBytes: 0.5e9,
});

/** KV bytes per token per layer on one GPU: K and V, kv heads sharded by TP (replicated when tp > kv heads, as vLLM does). */
export function kvBytesPerTokenPerLayer(model: ModelSpec, tp: number): number {
  const kvHeadsPerGpu = Math.max(1, model.numKvHeads / tp);
  return 2 * kvHeadsPerGpu * model.headDim * model.kvBytes;
}

/** Bytes of one KV block on one GPU: 2 × layers × kv_heads × head_dim × dtype bytes × block_size / TP. */
export function kvBytesPerBlock(model: ModelSpec, tp: number, blockSize: number): number {
  return model.numLayers * kvBytesPerTokenPerLayer(model, tp) * blockSize;
}

/**
 * TP must divide the attention heads; it must divide the kv heads or be a multiple of them (kv
 * heads are then replicated), as vLLM's QKVParallelLinear requires. → InputError TP_INVALID.
 */
export function validateTp(model: ModelSpec, tp: number, where = '--tp'): void {
  if (!Number.isInteger(tp) || tp < 1) {
    throw new InputError('TP_INVALID', where, `found ${tp}; expected a positive integer`);
  }
  if (model.numAttentionHeads % tp !== 0) {
    throw new InputError('TP_INVALID', where, `tensor parallel size ${tp} does not divide ${model.name}'s ${model.numAttentionHeads} attention heads`);
  }
  const kv = model.numKvHeads;
  if (kv > 1 && (tp <= kv ? kv % tp !== 0 : tp % kv !== 0)) {
    throw new InputError('TP_INVALID', where, `tensor parallel size ${tp} neither divides nor is a multiple of ${model.name}'s ${kv} kv heads`);
  }
}

export interface KvSizingInput {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  /** vLLM --gpu-memory-utilization (default 0.9). */
  readonly gpuMemoryUtilization?: number;
  /** vLLM --block-size (default 16). */
  readonly blockSize?: number;
  /** Overrides KV_MEMORY_DEFAULTS.reserveBytes + tpCommReserveBytes. */
  readonly reserveBytes?: number;
  /** Error location for KV_CAPACITY. */
  readonly where?: string;
}

export interface KvSizing {
  readonly usableBytes: number;
  readonly weightBytesPerGpu: number;
  readonly reserveBytes: number;
  readonly bytesPerBlockPerGpu: number;
  readonly totalKvBlocks: number;
}

/** Per-GPU memory budget and the resulting block count (vLLM num_gpu_blocks). */
export function kvSizing(input: KvSizingInput): KvSizing {
  const { model, hardware, tp } = input;
  const util = input.gpuMemoryUtilization ?? 0.9;
  const blockSize = input.blockSize ?? 16;
  const where = input.where ?? '--gpu-memory-utilization';
  if (!(util > 0 && util <= 1)) throw new InputError('FLAG_OUT_OF_RANGE', where, `gpu memory utilization ${util}; expected (0, 1]`);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--block-size', `found ${blockSize}; expected a positive integer`);
  validateTp(model, tp);
  const usableBytes = hardware.memoryGB * 2 ** 30 * KV_MEMORY_DEFAULTS.visibleMemoryFraction * util;
  const weightBytesPerGpu = model.weightMemoryBytes / tp;
  const reserveBytes = input.reserveBytes ?? KV_MEMORY_DEFAULTS.reserveBytes + (tp > 1 ? KV_MEMORY_DEFAULTS.tpCommReserveBytes : 0);
  const bytesPerBlockPerGpu = kvBytesPerBlock(model, tp, blockSize);
  const totalKvBlocks = Math.floor((usableBytes - weightBytesPerGpu - reserveBytes) / bytesPerBlockPerGpu);
  if (totalKvBlocks <= 0) {
    const gb = (b: number): string => (b / 1e9).toFixed(1);
    throw new InputError(
      'KV_CAPACITY',
      where,
      `${model.name} at TP ${tp} does not fit on ${hardware.name}: ${gb(usableBytes)} GB usable, ${gb(weightBytesPerGpu)} GB weights and ${gb(reserveBytes)} GB reserve per GPU leave no room for KV blocks; raise --tp or --gpu-memory-utilization`,
    );
  }
  return { usableBytes, weightBytesPerGpu, reserveBytes, bytesPerBlockPerGpu, totalKvBlocks };
}

/** Total KV blocks per GPU (each TP rank holds its shard of every block). */
export function deriveTotalKvBlocks(input: KvSizingInput): number {
  return kvSizing(input).totalKvBlocks;
}

/** vLLM's default max_model_len: the config's max_position_embeddings. */
export function defaultMaxModelLen(model: ModelSpec): number {
  return model.maxPositionEmbeddings;
}
