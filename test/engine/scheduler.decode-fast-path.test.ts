import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/engine/scheduler.js';
import { StepBatch } from '../../src/engine/step-batch.js';
import { resolveInstanceConfig } from '../../src/engine/config.js';
import { RequestState, engineRequestFor } from '../../src/engine/engine-request.js';
import { linearStep } from './helpers.js';

describe('Scheduler.extendDecodeBatch', () => {
  function setup(newTokens: number) {
    const s = new Scheduler(resolveInstanceConfig({ totalKvBlocks: 100, maxModelLen: 10000, stepTime: linearStep(), asyncScheduling: false }));
    const r = engineRequestFor({ id: 'a', arrivalUs: 0, inputTokens: 40, outputTokens: 10 }, 0, 16);
    r.blocks = new Int32Array(8);
    r.state = RequestState.Running;
    r.inPrefill = false;
    // Not a prefill, yet `newTokens` tokens computed by the last step (a P/D decode-side request recomputing after its blocks were reclaimed).
    r.numTokens = 41;
    r.outputDone = 1;
    r.computedTokens = 41 - 1;
    r.numBlocks = 3;
    s.running.push(r);
    const b = new StepBatch(4);
    b.clear(0);
    b.add(r, 40 - newTokens, newTokens, false, true);
    return { s, b, r };
  }

  it('extends a batch of one-token decodes in place, one more token each', () => {
    const { s, b, r } = setup(1);
    expect(s.extendDecodeBatch(b, b, 1)).toBe(true);
    expect([b.size, b.newTokens[0], b.contextTokens[0], r.computedTokens, r.pendingTokens]).toEqual([1, 1, 40, 41, 1]);
  });

  it('refuses a batch whose decode slot computed several tokens (its token count would go stale)', () => {
    const { s, b, r } = setup(7);
    expect(s.extendDecodeBatch(b, b, 1)).toBe(false);
    expect(r.computedTokens).toBe(40);
  });
});
