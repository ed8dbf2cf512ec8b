/**
 * The CPU KV offload tier of a pool's instances, from the run's settings and the pool's model,
 * GPU and TP: vLLM's OffloadingConnector with a CPU backend of N bytes per GPU holds as many
 * blocks as fit (one fewer than the bytes divided by a block's bytes per GPU, as vLLM logged:
 * 1023 blocks for Llama-2-7B's 8 MiB blocks in 8 GiB, 9362 for Qwen2.5-7B), and loads a block over
 * each GPU's own PCIe link.
 */
import type { CpuTierConfig } from '../engine/config.js';
import type { HardwareSpec } from '../model/hardware.js';
import { kvBytesPerBlock } from '../model/kv-sizing.js';
import type { ModelSpec } from '../model/model-spec.js';
import { BYTES_PER_GB, US_PER_S } from '../kernel/units.js';

/**
 * Share of the PCIe link a host-to-device copy of pinned memory reaches: NVIDIA's nvbandwidth
 * host_to_device_memcpy_ce measures 55.6 GB/s on a PCIe Gen5 x16 link (63 GB/s), 0.88.
 */
export const PCIE_COPY_EFFICIENCY = 0.88;

export interface CpuTierInput {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  readonly blockSize: number;
  /** Bytes per GPU (0 = none). */
  readonly kvCpuBytes: number;
  /** Blocks per instance (0 = derive from kvCpuBytes). */
  readonly kvCpuBlocks: number;
}

/** The tier and how it was sized, or null when there is none. */
export function cpuTierFor(i: CpuTierInput): { tier: CpuTierConfig; rule: string } | null {
  if (i.kvCpuBlocks <= 0 && i.kvCpuBytes <= 0) return null;
  const perGpu = kvBytesPerBlock(i.model, i.tp, i.blockSize);
  const blocks = i.kvCpuBlocks > 0 ? i.kvCpuBlocks : Math.max(1, Math.ceil(i.kvCpuBytes / perGpu) - 1);
  const loadUsPerBlock = (perGpu / (i.hardware.pcieGBps * BYTES_PER_GB * PCIE_COPY_EFFICIENCY)) * US_PER_S;
  const rule = i.kvCpuBlocks > 0
    ? `${blocks} CPU blocks as given; a block loads in ${loadUsPerBlock.toFixed(1)} us over ${i.hardware.pcieGBps} GB/s PCIe x ${PCIE_COPY_EFFICIENCY}`
    : `${(i.kvCpuBytes / 2 ** 30).toFixed(2)} GiB per GPU / ${perGpu} bytes per block per GPU = ${blocks} blocks; a block loads in ${loadUsPerBlock.toFixed(1)} us over ${i.hardware.pcieGBps} GB/s PCIe x ${PCIE_COPY_EFFICIENCY}`;
  return { tier: Object.freeze({ blocks, loadUsPerBlock, bytesPerBlock: perGpu * i.tp }), rule };
}
