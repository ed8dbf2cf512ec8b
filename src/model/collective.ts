/**
 * TP collectives as vLLM 0.15 runs them. Over NVLink (vllm/distributed/device_communicators:
 * custom all-reduce one-shot/two-shot and torch symmetric-memory multimem/two-shot, picked by
 * message size) a collective costs a latency that is about flat in the number of ranks plus the
 * bus traffic of a two-shot reduce: 2(tp − 1)/tp of the message per GPU over its link. Without
 * NVLink, vLLM keeps its custom all-reduce only at TP 2 and only where GPU peer-to-peer access
 * works (custom_all_reduce.py: `world_size > 2 and not fully_connected` disables it, `_can_p2p`
 * tests P2P); otherwise NCCL rings through the host bridge, with a much larger latency. Every
 * PCIe collective is priced as NCCL here: right for L40S, whose Ada GPUs have no P2P (vLLM's
 * custom all-reduce cannot start there: ai-dynamo/aiconfigurator#1346) and for TP 4 and 8;
 * a PCIe A100 or H100 pair with P2P runs vLLM's one-stage custom kernel instead (the same bytes,
 * a smaller fixed latency, not measured here), so blis overstates its collective latency.
 *
 * Numbers (RooflineParams, ./roofline-params.ts): NVLink latency and bus efficiency from vLLM's
 * own H100 benchmarks (vllm-project/vllm#24111: TP4 best-of 10 µs at 0.5 MB, 15 at 1 MB, 22 at
 * 2 MB, 29 at 4 MB → ~7 µs + 1.5·S/(0.6·450 GB/s); vllm-project/vllm#42324: multimem 8→48 MiB
 * at 0.82 of the link); PCIe latency from microsoft/vidur@7d47513 data/profiling/network/
 * h100_pairwise_nvlink/all_reduce.csv (TP4 rings crossing PCIe: 28 µs up to 256 KB).
 * A GPU whose all-reduce latency was measured beside H100's with the same vLLM collective
 * (HardwareSpec.collectiveLatencyRatio: ai-dynamo/aiconfigurator's vLLM 0.14 CUDA-graph tables,
 * ./hardware.json) pays that multiple of the NVLink latency on its own link instead: A100 1.14-1.25
 * (NVLink 3, lower SM clock), L40S 1.25 at TP 2 up to 5.6 at TP 8 (NCCL through the host, a
 * latency that grows with the ring), B200 1.56-1.64.
 */
import type { HardwareSpec } from './hardware.js';

export interface CollectiveCost {
  /** Fixed µs per collective. */
  readonly latencyUs: number;
  /** µs per byte of message for an all-reduce (two-shot bus traffic over the link). */
  readonly allReduceUsPerByte: number;
  /** µs per byte of the full gathered tensor for a gather / all-gather ((tp − 1)/tp of it crosses the link). */
  readonly gatherUsPerByte: number;
}

/** GPUs an NVLink part's domain joins unless its entry says otherwise: an HGX/DGX board's NVSwitch joins 8. */
const DEFAULT_NVLINK_GPUS = 8;

export const NO_COLLECTIVE: CollectiveCost = Object.freeze({ latencyUs: 0, allReduceUsPerByte: 0, gatherUsPerByte: 0 });

/**
 * The per-collective cost model of a group of `tp` GPUs (nothing at 1): a TP group, or the
 * data-parallel ranks of an MoE model (./moe-parallel.ts), whose deployment spans `spanGpus`
 * GPUs (default `tp`): past one NVLink domain it crosses PCIe.
 * `efficiency`: the share of the per-direction link bandwidth the bus traffic reaches.
 */
export function collectiveCost(hw: HardwareSpec, tp: number, p: { efficiency: number; nvlinkLatencyUs: number; pcieLatencyUs: number }, spanGpus = tp): CollectiveCost {
  if (tp <= 1) return NO_COLLECTIVE;
  // A TP group wider than one NVLink domain (NVL cards bridged in pairs) is not fully connected:
  // vLLM's custom all-reduce is off (custom_all_reduce.py) and NCCL's rings cross the host's PCIe.
  const nvlink = hw.interconnect === 'nvlink' && spanGpus <= (hw.nvlinkGpus ?? DEFAULT_NVLINK_GPUS);
  const bytesPerUs = (nvlink ? hw.interconnectGBps : Math.min(hw.interconnectGBps, hw.pcieGBps)) * 1e3 * p.efficiency; // GB/s → bytes/µs
  // A measured multiple of H100's latency holds on the link it was measured on: the GPU's own
  // NVLink domain, or PCIe for a PCIe part; an NVL pair's wider group crosses PCIe unmeasured.
  const ratio = nvlink || hw.interconnect === 'pcie' ? latencyRatioAt(hw.collectiveLatencyRatio, tp) : undefined;
  return Object.freeze({
    latencyUs: ratio !== undefined ? p.nvlinkLatencyUs * ratio : nvlink ? p.nvlinkLatencyUs : p.pcieLatencyUs,
    allReduceUsPerByte: (2 * (tp - 1)) / tp / bytesPerUs,
    gatherUsPerByte: (tp - 1) / tp / bytesPerUs,
  });
}

/** The multiple for a group of `tp` GPUs: its own degree's, else the next listed degree up, else the largest listed. */
export function latencyRatioAt(ratios: Readonly<Record<string, number>> | undefined, tp: number): number | undefined {
  if (ratios === undefined) return undefined;
  const degrees = Object.keys(ratios).map(Number).sort((a, b) => a - b);
  const at = degrees.find((d) => d >= tp) ?? degrees[degrees.length - 1];
  return at === undefined ? undefined : ratios[String(at)];
}
