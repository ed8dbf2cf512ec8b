import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { FILTER_NS, REFUSAL_LOG_NS, TOUCH_NS, connectorCpuUs } from '../../src/engine/connector-cpu.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';

/**
 * The CPU tier connector's Python bookkeeping as engine-core CPU (connector-cpu.ts), through the
 * engine: a model that splits GPU from CPU (CPU part 0 of its own) on the synchronous loop, where
 * a step is its GPU time plus the formation's CPU, rounded to whole µs.
 */
const split: StepTimeModel = {
  stepTimeUs: (b: BatchShape) => 1000 + b.totalNewTokens,
  split: { asyncSyncUs: 0, stepCostUs: (b: BatchShape, out: Float64Array) => { out[0] = 1000 + b.totalNewTokens; out[1] = 0; } },
};

describe('CPU tier connector bookkeeping as engine-core CPU', () => {
  it('prices each operation at its measured cost, a refused store at the warning vLLM logs for it', () => {
    expect(connectorCpuUs(0, 0, 0, 1)).toBe(REFUSAL_LOG_NS / 1000);
    expect(connectorCpuUs(0, 4, 4, 1)).toBeCloseTo((4 * FILTER_NS + 4 * TOUCH_NS + REFUSAL_LOG_NS) / 1000, 9);
  });

  it('a store the tier refuses costs every step that retries it (hand-computed)', () => {
    // A tier of 2 blocks, empty. a's 64-token prompt fills 4 blocks: its lookup touches the 4
    // hashes; the store pass filters 4, finds 3 absent past the room of 2 and is refused
    // (prepare_store returns None after walking the tier's 0 entries); vLLM logs the refusal.
    // Every later schedule of a retries the same 4 blocks (filtered again, refused again).
    // Prefill: 1000 + 64 + (4 × 22 + 4 × 76 + 12,000) / 1000 = 1076.392 → 1076 µs;
    // each decode: 1000 + 1 + (4 × 22 + 12,000) / 1000 = 1013.088 → 1013 µs.
    const t = new Harness({ totalKvBlocks: 20, blockSize: 16, stepTime: split, cpuTier: { blocks: 2, loadUsPerBlock: 1, bytesPerBlock: 1 } });
    const a = t.add({ id: 'a', inputTokens: 64, outputTokens: 3 });
    t.run();
    expect(a.firstTokenUs).toBe(1076);
    expect(a.finishedUs).toBe(1076 + 1013 + 1013);
    // Without the refusals' warnings the steps would be 1064, 1001 and 1001 µs.
    expect(a.finishedUs - (1064 + 1001 + 1001)).toBe(36);
  });
});
