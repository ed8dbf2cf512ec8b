/**
 * One formed batch: the shape the step-time model reads (BatchShape) plus, per slot, the request,
 * whether the step samples a token for it, and the request's epoch when it was scheduled (a
 * preemption or abort in between makes the slot commit nothing). Arrays are sized once
 * (max_num_seqs) and reused: the instance keeps two, the step on the GPU and, under async
 * scheduling, the next one already scheduled.
 */
import type { BatchShape } from '../model/step-time.js';
import type { EngineRequest } from './engine-request.js';

export class StepBatch implements BatchShape {
  size = 0;
  totalNewTokens = 0;
  numPrefill = 0;
  /** Slots from here on were admitted from the waiting queue by this formation. */
  admittedFrom = 0;
  /** Formation sequence number (the engine's step counter when it was scheduled). */
  seq = 0;
  /**
   * Event leaping (decode-run.ts): > 0 when a decode run formed this batch (its formation number
   * in the run); its per-slot contextTokens are then not written (the model reads `decodePrefixContext`)
   * until the run ends or someone reads the batch.
   */
  leapF = 0;
  /**
   * A decode run's batch: its first runSlots slots are the run's requests (committed as counters);
   * slots from there on (requests admitted by the run's formation) commit step by step.
   */
  runSlots = 0;
  /** The decode run's slot layout this batch's per-slot arrays were last written with (decode-run.ts). */
  runVersion = -1;
  /** Of that layout, the leading slots whose request and epoch are written (requests joining a run are appended). */
  runWritten = 0;
  /** Leading slots written as the run's one-token decodes that all sample (newTokens 1, isPrefill 0, sampled 1). */
  runDecodesWritten = 0;
  /** Its commit is a run commit: the run's slots (below runSlots) sample one token each in O(1), no per-slot loop. */
  leapCommit = false;
  /** BatchShape.decodePrefix: a run batch's leading decodes, costed by their sum (0: every slot's context is written). */
  decodePrefix = 0;
  /** Σ contextTokens of a run batch's run slots (the first runSlots), written or not. */
  decodePrefixContext = 0;
  /** The step-time model's GPU and CPU µs for this batch, valid while costSeq === seq (step-cost.ts). */
  gpuUs = 0;
  cpuUs = 0;
  costSeq = -1;
  /** Engine-core CPU µs of the CPU tier connector's bookkeeping in this batch's formation (connector-cpu.ts); 0 without a tier. */
  connectorUs = 0;
  readonly newTokens: Int32Array;
  readonly contextTokens: Int32Array;
  readonly isPrefill: Uint8Array;
  readonly reqs: EngineRequest[];
  readonly sampled: Uint8Array;
  readonly epochs: Int32Array;

  constructor(capacity: number) {
    this.newTokens = new Int32Array(capacity);
    this.contextTokens = new Int32Array(capacity);
    this.isPrefill = new Uint8Array(capacity);
    this.reqs = new Array<EngineRequest>(capacity);
    this.sampled = new Uint8Array(capacity);
    this.epochs = new Int32Array(capacity);
  }

  clear(seq: number): void {
    this.size = 0;
    this.totalNewTokens = 0;
    this.numPrefill = 0;
    this.admittedFrom = 0;
    this.seq = seq;
    this.leapF = 0;
    this.leapCommit = false;
    this.decodePrefix = 0;
  }

  /** Appends a slot: `context` tokens already computed before this step, `numNew` computed by it. */
  add(r: EngineRequest, context: number, numNew: number, prefill: boolean, sampled: boolean): void {
    const k = this.size++;
    this.reqs[k] = r;
    this.newTokens[k] = numNew;
    this.contextTokens[k] = context;
    const p = prefill ? 1 : 0;
    this.isPrefill[k] = p;
    this.numPrefill += p;
    this.totalNewTokens += numNew;
    this.sampled[k] = sampled ? 1 : 0;
    this.epochs[k] = r.epoch;
  }

  /** Takes `prev`'s first `n` requests as one-token decodes that all sample, with their epochs (the decode fast paths). */
  copyDecodeSlots(prev: StepBatch, n: number): void {
    for (let k = 0; k < n; k++) {
      this.reqs[k] = prev.reqs[k]!;
      this.epochs[k] = prev.epochs[k]!;
    }
    this.newTokens.fill(1, 0, n);
    this.isPrefill.fill(0, 0, n);
    this.sampled.fill(1, 0, n);
  }

  slotOf(r: EngineRequest): number {
    for (let k = 0; k < this.size; k++) if (this.reqs[k] === r) return k;
    return -1;
  }

  /** Removes slot k (shifting the rest); returns its tokens. */
  removeSlot(k: number): number {
    const tokens = this.newTokens[k]!;
    this.totalNewTokens -= tokens;
    this.numPrefill -= this.isPrefill[k]!;
    for (let j = k + 1; j < this.size; j++) {
      this.reqs[j - 1] = this.reqs[j]!;
      this.newTokens[j - 1] = this.newTokens[j]!;
      this.contextTokens[j - 1] = this.contextTokens[j]!;
      this.isPrefill[j - 1] = this.isPrefill[j]!;
      this.sampled[j - 1] = this.sampled[j]!;
      this.epochs[j - 1] = this.epochs[j]!;
    }
    this.size--;
    if (k < this.admittedFrom) this.admittedFrom--;
    return tokens;
  }
}
