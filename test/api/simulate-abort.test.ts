/** simulate() can be cancelled with an AbortSignal, as fetch and the Node.js stream APIs can. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/index.js';

// Enough work that the run yields to the host many times (an event slice is 250,000 events).
const long = { model: 'qwen/qwen3-14b', preset: 'chatbot', rate: 400, numRequests: 400_000 } as const;

describe('simulate() with a signal', () => {
  it('rejects with the signal reason soon after abort, without finishing the run', async () => {
    const controller = new AbortController();
    let progressCalls = 0;
    const run = simulate({ ...long, signal: controller.signal, onProgress: () => { if (++progressCalls === 2) controller.abort(); } });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(progressCalls).toBe(2);
  });

  it('an already aborted signal stops the run before it starts; a timeout signal rejects with TimeoutError', async () => {
    const controller = new AbortController();
    controller.abort(new Error('not now'));
    await expect(simulate({ ...long, signal: controller.signal })).rejects.toThrow('not now');
    await expect(simulate({ ...long, signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('a signal never aborted changes nothing', async () => {
    const small = { model: 'qwen/qwen3-14b', preset: 'chatbot', rate: 10, numRequests: 50, seed: 3 } as const;
    const a = JSON.stringify((await simulate(small)).metrics);
    expect(JSON.stringify((await simulate({ ...small, signal: new AbortController().signal })).metrics)).toBe(a);
  });
});
