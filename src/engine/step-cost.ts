/**
 * The step-time model as the engine loop calls it. Per batch: the whole step (synchronous loop),
 * or its GPU and CPU parts (asynchronous loop; a model without StepCostSplit is all GPU). A batch
 * formed by a decode run (StepBatch.leapF > 0) has no per-slot contexts written for the run's
 * requests: decode-only, it is costed from its aggregates through the model's DecodeAggregateCost,
 * which by contract gives the same bits; with requests the run admitted, slot by slot with the
 * run's decodes given by their sums (StepBatch.decodePrefix, which such a model reads). A model
 * that splits GPU from CPU also pays, as CPU, the CPU tier connector's bookkeeping of the batch's
 * formation (StepBatch.connectorUs, connector-cpu.ts).
 */
import type { StepTimeModel } from '../model/step-time.js';
import type { StepBatch } from './step-batch.js';

export class StepCost {
  /** [GPU µs, CPU µs] of the last `parts` call. */
  readonly out = new Float64Array(2);
  /** The model splits GPU and CPU work (otherwise the CPU part is 0). */
  readonly split: boolean;
  /** µs an overlapped (async) step adds beyond max(GPU, CPU). */
  readonly syncUs: number;

  constructor(private readonly model: StepTimeModel) {
    this.split = model.split !== undefined;
    this.syncUs = model.split?.asyncSyncUs ?? 0;
  }

  /** The synchronous step's duration (CPU and GPU back to back). */
  stepUs(b: StepBatch): number {
    const us = b.leapF > 0 && b.size === b.runSlots ? this.model.decode!.decodeStepUs(b.size, b.decodePrefixContext) : this.model.stepTimeUs(b);
    return this.split ? us + b.connectorUs : us;
  }

  /**
   * Writes the batch's GPU µs into out[0] and CPU µs into out[1]. The asynchronous loop asks
   * twice per batch (its CPU part when it is scheduled ahead, its GPU part when it runs): the
   * parts are kept on the batch, keyed by its formation, and computed once. Returns nothing (the
   * engine loop reads `out`: a returned fractional µs would be boxed on every step).
   */
  fill(b: StepBatch): void {
    const out = this.out;
    if (b.costSeq === b.seq) {
      out[0] = b.gpuUs;
      out[1] = b.cpuUs;
      return;
    }
    const m = this.model;
    if (m.split !== undefined) {
      if (b.leapF > 0 && b.size === b.runSlots) m.decode!.decodeCostUs!(b.size, b.decodePrefixContext, out);
      else m.split.stepCostUs(b, out);
    } else {
      out[0] = this.stepUs(b);
      out[1] = 0;
    }
    // The CPU tier connector's bookkeeping in this batch's formation, for a model that accounts
    // the engine core's CPU (a split); a model without one is a fixed clock (tests, custom models).
    if (m.split !== undefined) out[1] += b.connectorUs;
    b.gpuUs = out[0]!;
    b.cpuUs = out[1]!;
    b.costSeq = b.seq;
  }

  /** `fill`, returning the GPU µs. */
  parts(b: StepBatch): number {
    this.fill(b);
    return this.out[0]!;
  }

  /** The batch's CPU µs (0 without a split, at no cost). */
  cpuUs(b: StepBatch): number {
    if (!this.split) return 0;
    this.parts(b);
    return this.out[1]!;
  }
}
