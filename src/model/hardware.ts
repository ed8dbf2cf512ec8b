/** A GPU's datasheet figures (dense, no sparsity). */
export interface HardwareSpec {
  readonly name: string;
  readonly bf16Tflops: number;
  /** 0 when the GPU has no fp8 tensor cores. */
  readonly fp8Tflops: number;
  readonly hbmTBps: number;
  readonly memoryGB: number;
  /** GPU-to-GPU (NVLink or PCIe) bandwidth per direction, GB/s, for TP all-reduce. */
  readonly interconnectGBps: number;
  /**
   * Memory the driver reports to CUDA/PyTorch (torch.cuda total capacity), GiB: what vLLM's
   * memory profiling and batch defaults see (an L40S shows 44.53 GiB, not 48 GB).
   */
  readonly deviceMemoryGiB: number;
  /** Host link per direction (PCIe), GB/s: CPU KV-tier loads and stores. */
  readonly pcieGBps: number;
  readonly source: string;
}
