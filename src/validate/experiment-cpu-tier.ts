/**
 * How to read a CPU offload tier size that an experiment file derived rather than measured
 * (`vllm.cpu_offload.cpu_kv_blocks_source` starting with "derived"). vLLM sizes the
 * OffloadingConnector's CPU tier from `--kv-offloading-size`, documented as the total over the
 * tensor-parallel ranks (vllm/config/cache.py `kv_offloading_size`; config/vllm.py turns it into
 * `cpu_bytes_to_use`), and divides it by one block's bytes on every rank
 * (v1/kv_offload/cpu.py: page bytes × layers × world size). A file that derived its block count as
 * "8 GiB / KV bytes per block per GPU" read the size per GPU instead, which is TP times the tier
 * vLLM builds from `--kv-offloading-size 8`.
 *
 * - `total` (default): the size is vLLM's flag, the total over the TP ranks. The calibration set's
 *   evidence: a prompt of whole blocks loads its last block from the tier (+2 steps of TTFT), and
 *   which real requests show that delay (all recurrences of such prompts in Mixtral-8x7B general's
 *   20 req/s stage, a tenth at 8 req/s, none in the Llama-2-70B, CodeLlama-34B and codegen or
 *   roleplay runs) follows from the connector's LRU only at the total reading; at the per-GPU
 *   reading every tier holds every prompt and every recurrence is delayed (docs/calibration.md).
 * - `per-gpu`: the file's derived count stands.
 * A count the file states without "derived" (e.g. from vllm.log, as in the trainval set) is a
 * measurement and always stands.
 */
import type { Assumption } from './assumptions.js';

export type CpuOffloadSizeReading = 'total' | 'per-gpu';
export const CPU_OFFLOAD_SIZE_READINGS: readonly CpuOffloadSizeReading[] = ['total', 'per-gpu'];

export interface CpuTierKnobs {
  readonly cpuKvBlocks: number | null;
  readonly cpuKvGibPerGpu: number | null;
}

/**
 * The tier's knobs under `reading`: at `total`, a derived count gives way to the configured size
 * split over the `tp` ranks (the simulator then sizes the tier as the connector does).
 */
export function readCpuTierSize(knobs: CpuTierKnobs, source: unknown, tp: number, reading: CpuOffloadSizeReading, notes: Assumption[]): CpuTierKnobs {
  const { cpuKvBlocks: blocks, cpuKvGibPerGpu: gib } = knobs;
  if (blocks === null || !(blocks > 0) || gib === null || !(gib > 0) || typeof source !== 'string' || !/^derived\b/i.test(source.trim())) return knobs;
  if (reading === 'per-gpu') {
    notes.push({ field: 'vllm.cpu_offload.cpu_kv_blocks', value: blocks, kind: 'assumed', why: `the file derived it (${source}); read per GPU as it says (--cpu-offload-size per-gpu)` });
    return knobs;
  }
  if (tp === 1) return knobs;
  notes.push({
    field: 'vllm.cpu_offload.cpu_kv_blocks',
    value: blocks,
    kind: 'derived',
    why: `the file derived it (${source}); read as vLLM's --kv-offloading-size ${gib}, the total over the ${tp} TP ranks (vllm/config/cache.py; v1/kv_offload/cpu.py divides by every rank's block bytes): ${gib} GiB / ${tp} per GPU, sized as the connector does (the calibration set's evidence, docs/calibration.md; --cpu-offload-size per-gpu keeps ${blocks})`,
  });
  return { cpuKvBlocks: null, cpuKvGibPerGpu: gib / tp };
}
