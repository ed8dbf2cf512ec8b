import { describe, expect, it } from 'vitest';
import { dropReason, resolveInstanceConfig, type InstanceOptions } from '../../src/engine/config.js';
import { InputError } from '../../src/kernel/errors.js';
import { linearStep } from './helpers.js';

const BASE: InstanceOptions = { totalKvBlocks: 11, maxModelLen: 100, stepTime: linearStep() };

/** The field an invalid option is reported under (InputError's `where`), or null if it resolves. */
function rejected(o: Partial<InstanceOptions>): string | null {
  try {
    resolveInstanceConfig({ ...BASE, ...o } as InstanceOptions);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('FLAG_OUT_OF_RANGE');
    return (e as InputError).where;
  }
}

describe('engine config', () => {
  it("defaults to vLLM 0.15's engine: async scheduling, prefix caching, FCFS, blocks of 16, no CPU tier; leaping on", () => {
    const c = resolveInstanceConfig(BASE);
    expect([c.asyncScheduling, c.enablePrefixCaching, c.scheduler, c.blockSize, c.cpuTier, c.leap, c.id]).toEqual([true, true, 'fcfs', 16, null, true, 0]);
    expect(Object.isFrozen(c) && Object.isFrozen(c.detail)).toBe(true);
    const off = resolveInstanceConfig({ ...BASE, asyncScheduling: false, leap: false, id: 3 });
    expect([off.asyncScheduling, off.leap, off.id]).toEqual([false, false, 3]);
  });

  it('names the field of each out-of-range option', () => {
    expect(rejected({ totalKvBlocks: 1 })).toBe('totalKvBlocks'); // one block is vLLM's null block
    expect(rejected({ totalKvBlocks: 2 })).toBeNull();
    expect(rejected({ totalKvBlocks: 2.5 })).toBe('totalKvBlocks');
    for (const f of ['maxNumBatchedTokens', 'maxNumSeqs', 'blockSize', 'maxModelLen'] as const) {
      expect(rejected({ [f]: 0 })).toBe(f);
      expect(rejected({ [f]: 1.5 })).toBe(f);
      expect(rejected({ [f]: 1 })).toBeNull();
    }
    expect(rejected({ detail: { enabled: true, tokenEvery: 0 } })).toBe('detail.tokenEvery');
    expect(rejected({ longPrefillTokenThreshold: -1 })).toBe('longPrefillTokenThreshold');
    expect(rejected({ longPrefillTokenThreshold: 0.5 })).toBe('longPrefillTokenThreshold');
    expect(rejected({ longPrefillTokenThreshold: 0 })).toBeNull();
    expect(rejected({ scheduler: 'lifo' as 'fcfs' })).toBe('scheduler');
    expect(rejected({ scheduler: 'priority' })).toBeNull();
    expect(rejected({ cpuTier: { blocks: 0, loadUsPerBlock: 1, bytesPerBlock: 1 } })).toBe('cpuTier.blocks');
    expect(rejected({ cpuTier: { blocks: 4, loadUsPerBlock: -1, bytesPerBlock: 1 } })).toBe('cpuTier');
    expect(rejected({ cpuTier: { blocks: 4, loadUsPerBlock: 1, bytesPerBlock: Number.NaN } })).toBe('cpuTier');
    expect(rejected({ cpuTier: { blocks: 4, loadUsPerBlock: 0, bytesPerBlock: 0 } })).toBeNull();
  });

  it('drops what can never be served: empty lengths, beyond max-model-len, beyond the usable KV blocks', () => {
    // 11 blocks of 16, 10 usable (160 tokens); the last output token is never written to KV.
    const c = resolveInstanceConfig({ ...BASE, maxModelLen: 200 });
    expect(dropReason(c, 0, 5)).toBe('invalid-lengths');
    expect(dropReason(c, 5, 0)).toBe('invalid-lengths');
    expect(dropReason(c, 150, 50)).not.toBe('exceeds-max-model-len'); // 200 = max-model-len is allowed
    expect(dropReason(c, 150, 51)).toBe('exceeds-max-model-len');
    expect(dropReason(c, 150, 11)).toBeNull(); // 160 tokens in KV: 10 blocks
    expect(dropReason(c, 150, 12)).toBe('exceeds-kv-capacity');
  });
});
