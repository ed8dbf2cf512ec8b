/** A GPU: datasheet figures (dense, no sparsity) and the rates kernels measurably reach on it. */
export interface HardwareSpec {
  readonly name: string;
  readonly bf16Tflops: number;
  /** 0 when the GPU has no fp8 tensor cores. */
  readonly fp8Tflops: number;
  /**
   * Dense fp4 tensor-core peak (TFLOP/s); 0 when the GPU has no fp4 tensor cores (every GPU
   * before Blackwell): nvfp4 w4a4 GEMMs.
   */
  readonly fp4Tflops: number;
  /** Dense int8 tensor-core throughput (TOPS): w8a8 int8 GEMMs. */
  readonly int8Tops: number;
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
  /** 'nvlink': vLLM's custom / symmetric-memory all-reduce over peer links; 'pcie': NCCL through the host bridge. */
  readonly interconnect: 'nvlink' | 'pcie';
  /**
   * GPUs one NVLink domain joins (NVLink parts): an HGX board's NVSwitch joins its 8 (the default),
   * an NVL card's bridge joins a pair (2). A TP group beyond it is not fully NVLink-connected, so
   * vLLM's custom all-reduce is off there and NCCL crosses PCIe (./collective.ts).
   */
  readonly nvlinkGpus?: number;
  /** Streaming read bandwidth GEMM weight reads reach (TB/s, measured; below the datasheet figure). */
  readonly hbmAchievedTBps: number;
  /** Large-GEMM bf16 throughput reached (TFLOP/s, measured). */
  readonly bf16AchievedTflops: number;
  /** Large-GEMM fp8 throughput reached (TFLOP/s, measured); 0 when the GPU has no fp8 tensor cores. */
  readonly fp8AchievedTflops: number;
  /** Large-GEMM fp4 (nvfp4 × nvfp4) throughput reached (TFLOP/s, measured); 0 when the GPU has no fp4 tensor cores. */
  readonly fp4AchievedTflops: number;
  /** Large-GEMM int8 throughput reached (TOPS). */
  readonly int8AchievedTops: number;
  /**
   * CUDA compute capability (9.0 Hopper, 8.0 A100, 8.9 Ada, 10.0 Blackwell; NVIDIA's CUDA GPUs
   * list), 0 when not given: vLLM picks attention backends by it, and an MLA backend forces its KV
   * block size (./kv-block-size.ts).
   */
  readonly computeCapability: number;
  /**
   * Duration floor of a small kernel that is neither a GEMM nor attention (norms, rotary, KV-cache
   * write, SiLU-and-mul, sampler passes), as a multiple of H100's: the SM clock and the latency chain
   * of such a kernel differ between GPUs where a GEMM's floor does not. Absent: 1 (H100's).
   */
  readonly smallKernelFloorRatio?: number;
  /** Where smallKernelFloorRatio comes from (measurement and commit, or the rule that derived it). */
  readonly smallKernelFloorSource?: string;
  /**
   * The rate a dense GEMM (vLLM's unquantised linear, cuBLAS) streams its weights at, as a multiple of
   * hbmAchievedTBps, where it departs from the rate attention and elementwise kernels reach: measured
   * at M = 1 beside H100 with the same vLLM collector. Absent: 1. Fused-MoE kernels keep hbmAchievedTBps.
   */
  readonly gemmBandwidthRatio?: number;
  /** Where gemmBandwidthRatio comes from (measurement and commit, or the rule that derived it). */
  readonly gemmBandwidthSource?: string;
  /**
   * Duration floor of a dense GEMM (the same GEMMs gemmBandwidthRatio applies to: projections, MLP,
   * lm head) as a multiple of H100's, where vLLM's own linear measured beside H100 with the same
   * collector pays a larger fixed cost per call. Absent: 1 (H100's).
   */
  readonly gemmFloorRatio?: number;
  /** Where gemmFloorRatio comes from (measurement and commit, or the rule that derived it). */
  readonly gemmFloorSource?: string;
  /**
   * Fixed cost of one TP all-reduce on this GPU's own link as a multiple of H100's over NVLink
   * (the roofline's collectiveLatencyUs), by TP degree ("2", "4", "8"): measured with the same
   * vLLM collective on both GPUs. A degree not listed takes the next listed one up (above the
   * largest, the largest). Absent: collectiveLatencyUs over NVLink, pcieCollectiveLatencyUs over
   * PCIe (./collective.ts). Not applied to an NVLink part's group wider than its NVLink domain.
   */
  readonly collectiveLatencyRatio?: Readonly<Record<string, number>>;
  /** Where collectiveLatencyRatio comes from (measurement and commit, or the rule that derived it). */
  readonly collectiveLatencySource?: string;
  /** Datasheet source. */
  readonly source: string;
  /** Where the achieved rates come from (measurement and commit, or the rule that derived them). */
  readonly achievedSource: string;
}
