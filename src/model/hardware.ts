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
  readonly source: string;
}
