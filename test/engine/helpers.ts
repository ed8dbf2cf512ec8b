import fc from 'fast-check';
import type { ArrivalRequest } from '../../src/workload/request.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';
import { EventPriority, type EventHandler, type SimEvent } from '../../src/kernel/events.js';
import { Simulator } from '../../src/kernel/sim.js';
import { Instance, type InstanceListener } from '../../src/engine/instance.js';
import { resolveInstanceConfig, type InstanceOptions } from '../../src/engine/config.js';
import { EngineRequest, engineRequestFor, type DropReason } from '../../src/engine/engine-request.js';

/** Step time = baseUs + perTokenUs × batch tokens. */
export function linearStep(baseUs = 1000, perTokenUs = 10): StepTimeModel {
  // With its decode-only capability (a decode of n requests computes n tokens), so engines leap.
  return { stepTimeUs: (b: BatchShape) => baseUs + perTokenUs * b.totalNewTokens, decode: { decodeStepUs: (n: number) => baseUs + perTokenUs * n } };
}

export interface Outcome {
  id: string;
  firstTokenUs: number;
  finishedUs: number;
  dropped?: DropReason;
}

export class Harness implements InstanceListener, EventHandler {
  readonly sim = new Simulator();
  readonly inst: Instance;
  readonly reqs: EngineRequest[] = [];
  readonly events: string[] = [];
  readonly outcomes = new Map<string, Outcome>();
  finishedCalls = 0;
  droppedCalls = 0;
  /** `uniqueIds`: requests are made as a generated workload's (EngineRequest.deferPrivate where their key is their own). */
  constructor(opts: Partial<InstanceOptions>, private readonly uniqueIds = false) {
    // Timelines are hand-computed for vLLM's synchronous loop unless a test asks for async scheduling.
    this.inst = new Instance(this.sim, resolveInstanceConfig({ totalKvBlocks: 1000, maxModelLen: 100000, stepTime: linearStep(), asyncScheduling: false, ...opts } as InstanceOptions), this);
  }
  add(a: Partial<ArrivalRequest> & { id: string; inputTokens: number; outputTokens: number }): EngineRequest {
    const src: ArrivalRequest = { arrivalUs: 0, ...a };
    const r = engineRequestFor(src, this.reqs.length, this.inst.config.blockSize, undefined, this.uniqueIds);
    this.reqs.push(r);
    this.sim.schedule(src.arrivalUs, EventPriority.Dispatch, this, r.index);
    return r;
  }
  handle(ev: SimEvent): void {
    this.inst.enqueue(this.reqs[ev.a]!);
  }
  run(): this {
    this.sim.run();
    return this;
  }
  onFirstToken(req: EngineRequest, tUs: number): void {
    this.events.push(`first ${req.src.id} ${tUs}`);
  }
  onFinished(req: EngineRequest, tUs: number): void {
    this.finishedCalls++;
    this.events.push(`finish ${req.src.id} ${tUs}`);
    this.outcomes.set(req.src.id, { id: req.src.id, firstTokenUs: req.firstTokenUs, finishedUs: tUs });
  }
  onRemoteLoad(req: EngineRequest, blocks: number): void {
    this.events.push(`load ${req.src.id} ${blocks} ${this.sim.nowUs}`);
  }
  onDropped(req: EngineRequest, reason: DropReason, tUs: number): void {
    this.droppedCalls++;
    this.events.push(`drop ${req.src.id} ${reason} ${tUs}`);
    this.outcomes.set(req.src.id, { id: req.src.id, firstTokenUs: -1, finishedUs: -1, dropped: reason });
  }
}

/**
 * Arbitraries of the engine knobs the property tests vary (both loops, split step costs, the CPU
 * tier, scheduler policies, chunking), within the given pool and batch limits.
 */
export function engineKnobs(limits: { maxNumSeqs: number; totalKvBlocks: number; shortModelLen: number }) {
  return {
    maxNumBatchedTokens: fc.integer({ min: 16, max: 512 }),
    maxNumSeqs: fc.integer({ min: 1, max: limits.maxNumSeqs }),
    longPrefillTokenThreshold: fc.constantFrom(0, 0, 32, 100),
    blockSize: fc.constantFrom(4, 16),
    totalKvBlocks: fc.integer({ min: 8, max: limits.totalKvBlocks }),
    maxModelLen: fc.constantFrom(limits.shortModelLen, 100000),
    scheduler: fc.constantFrom('fcfs' as const, 'priority' as const),
    enablePrefixCaching: fc.boolean(),
    preScheduleUs: fc.constantFrom(0, 0, 150),
    asyncScheduling: fc.boolean(),
    /** Step cost split into GPU and CPU parts (async overlaps them). */
    split: fc.boolean(),
    cpuTierBlocks: fc.constantFrom(0, 0, 6, 40),
    cpuLoadUsPerBlock: fc.constantFrom(0, 40, 900),
  };
}

/** Arbitraries of one request of a property test's workload: gap since the previous, lengths, prefix group, priority. */
export function requestKnobs(limits: { maxGapUs: number; maxOutputTokens: number }) {
  return {
    gapUs: fc.integer({ min: 0, max: limits.maxGapUs }),
    inputTokens: fc.integer({ min: 1, max: 300 }),
    outputTokens: fc.integer({ min: 1, max: limits.maxOutputTokens }),
    group: fc.integer({ min: 0, max: 3 }),
    prefixTokens: fc.integer({ min: 0, max: 200 }),
    priority: fc.integer({ min: 0, max: 3 }),
  };
}

/** The batch of the step being committed, as `id:newTokens` entries in batch order. */
export function batchOf(inst: Instance): string[] {
  const b = inst.batch;
  const row: string[] = [];
  for (let k = 0; k < b.size; k++) row.push(`${b.reqs[k]!.src.id}:${b.newTokens[k]}`);
  return row;
}

/** Records every committed step's batch (batchOf) and when it ended (µs); the step listener runs at each step's end. */
export function recordSteps(t: Harness): { batch: string[]; endUs: number }[] {
  const steps: { batch: string[]; endUs: number }[] = [];
  t.inst.setStepListener({ onStep: (inst) => steps.push({ batch: batchOf(inst), endUs: t.sim.nowUs }) });
  return steps;
}
