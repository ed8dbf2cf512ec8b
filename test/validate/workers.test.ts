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

describe('validate through the worker pool', () => {
  it('plans go to workers and results come back per experiment', async () => {
    const { readFileSync } = await import('node:fs');
    const { validateExperiments } = await import('../../src/validate/validate.js');
    const { workerPlanRunner } = await import('../../src/validate/validate-workers.node.js');
    const fx = (n: string): string => readFileSync(new URL(`../fixtures/validate/${n}`, import.meta.url), 'utf8');
    const json = JSON.parse(fx('small.json'));
    const boom = { ...JSON.parse(fx('small.json')), id: 'boom' };
    const run = await validateExperiments(
      [{ file: 'small.json', json, requests: fx('small.requests.csv') }, { file: 'boom.json', json: boom, requests: fx('small.requests.csv') }],
      { runPlans: workerPlanRunner(new URL('../fixtures/validate/replay-worker.mjs', import.meta.url), 2) },
    );
    const [ok, failed] = run.document.experiments;
    expect(ok).toMatchObject({ status: 'ok', derived: { worker: true } });
    expect(ok!.stages.find((s) => s.index === 'summary')!.metrics['ttft_mean']!.error_pct).toBe(0);
    expect(failed).toMatchObject({ id: 'boom', status: 'error', error: 'boom.json: simulation failed: simulated failure' });
  });
});
