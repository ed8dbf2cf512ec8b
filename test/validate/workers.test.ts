import { describe, expect, it } from 'vitest';
import { runInWorkers, runInWorkersSettled } from '../../src/validate/validate-workers.node.js';
import { runSettled } from '../../src/validate/validate.js';

const worker = new URL('../fixtures/validate/square-worker.mjs', import.meta.url);

describe('worker pool', () => {
  it('returns results in input order with several workers', async () => {
    const xs = Array.from({ length: 12 }, (_, i) => i);
    expect(await runInWorkers<number, number>(worker, xs, 3)).toEqual(xs.map((x) => x * x));
  });

  it('settles failures per input: an error reply and a crashed worker fail only their input', async () => {
    const r = await runInWorkersSettled<number, number>(worker, [2, -1, 13, 4, 5], 2);
    expect(r[0]).toEqual({ ok: true, value: 4 });
    expect(r[1]).toEqual({ ok: false, error: 'negative input -1' });
    expect(r[2]!.ok).toBe(false);
    expect((r[2] as { error: string }).error).toContain('exited with code 3');
    expect(r.slice(3)).toEqual([{ ok: true, value: 16 }, { ok: true, value: 25 }]);
  });

  it('runInWorkers rejects with the first error', async () => {
    await expect(runInWorkers<number, number>(worker, [1, -2], 1)).rejects.toThrow('input 1: negative input -2');
  });

  it('empty input resolves at once', async () => {
    expect(await runInWorkers(worker, [], 4)).toEqual([]);
  });

  it('the in-process fallback has the same settled shape', async () => {
    const r = await runSettled([1, -1, 3], 2, async (x) => { if (x < 0) throw new Error('neg'); return x * 2; });
    expect(r).toEqual([{ ok: true, value: 2 }, { ok: false, error: 'neg' }, { ok: true, value: 6 }]);
  });
});
