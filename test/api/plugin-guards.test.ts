/** A plug-in that breaks its contract stops the run with an InputError naming it; never a silent fallback. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/index.js';
import type { Plugins, SimulationOptions } from '../../src/index.js';

const base: SimulationOptions = { model: 'qwen/qwen3-14b', numInstances: 3, preset: 'chatbot', rate: 10, numRequests: 20, seed: 1 };
const scorer = (name: string, fill: number | (() => never)) => ({
  name,
  create: () => ({ score: (_v: unknown, _r: unknown, out: Float64Array) => { if (typeof fill === 'number') out.fill(fill); else fill(); } }),
});

describe('plug-in contract checks', () => {
  it('a scorer that throws: PLUGIN_FAILED naming the scorer, its own error kept as the cause', async () => {
    const err = await simulate({ ...base, plugins: { scorers: [scorer('boom', () => { throw new Error('kaput'); })] }, routingScorers: 'boom:1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InputError', code: 'PLUGIN_FAILED', where: "scorer 'boom'", message: expect.stringContaining('score threw: kaput') });
    expect((err as Error).cause).toMatchObject({ message: 'kaput' });
  });

  it('a scorer that writes NaN or a score above 1 (all ties would otherwise drop or skew every request)', async () => {
    await expect(simulate({ ...base, plugins: { scorers: [scorer('nan', NaN)] }, routingScorers: 'nan:1' }))
      .rejects.toMatchObject({ code: 'PLUGIN_FAILED', where: "scorer 'nan'", message: expect.stringContaining('the score NaN') });
    await expect(simulate({ ...base, plugins: { scorers: [scorer('two', 2)] }, routingScorers: 'two:1' }))
      .rejects.toMatchObject({ code: 'PLUGIN_FAILED', message: expect.stringContaining('expected a score in [0, 1]') });
  });

  it('a routing policy that picks an instance out of range, a fraction, or none while some are eligible', async () => {
    for (const [name, pick] of [['seven', 7], ['half', 0.5], ['nowhere', -1], ['nan', NaN]] as const) {
      await expect(simulate({ ...base, plugins: { routingPolicies: [{ name, create: () => ({ pick: () => pick }) }] }, routingPolicy: name }))
        .rejects.toMatchObject({ code: 'PLUGIN_FAILED', where: `routing policy '${name}'` });
    }
  });

  it('an admission policy that answers neither null nor a reason', async () => {
    for (const answer of [undefined, '', true]) {
      await expect(simulate({ ...base, plugins: { admissionPolicies: [{ name: 'vague', create: () => ({ decide: () => answer as never }) }] }, admissionPolicy: 'vague' }))
        .rejects.toMatchObject({ code: 'PLUGIN_FAILED', where: "admission policy 'vague'" });
    }
  });

  it('a step-time model whose step is not whole microseconds ≥ 1, or that throws', async () => {
    for (const us of [NaN, 0, -5, 10.5, Infinity]) {
      await expect(simulate({ ...base, plugins: { stepTimeModels: [{ name: 'odd', create: () => ({ stepTimeUs: () => us }) }] }, latencyModel: 'odd' }))
        .rejects.toMatchObject({ code: 'PLUGIN_FAILED', where: "step-time model 'odd'", message: expect.stringContaining(`returned ${us}`) });
    }
    await expect(simulate({ ...base, plugins: { stepTimeModels: [{ name: 'odd', create: () => { throw new RangeError('no such GPU'); } }] }, latencyModel: 'odd' }))
      .rejects.toMatchObject({ code: 'PLUGIN_FAILED', message: expect.stringContaining('create threw: no such GPU') });
  });

  it('registering a name twice, or a built-in name, is refused before the run', async () => {
    const mine = scorer('mine', 1);
    await expect(simulate({ ...base, plugins: { scorers: [mine, mine] } })).rejects.toMatchObject({ code: 'PLUGIN_INVALID', where: 'plugins.scorers[1] (mine)' });
    await expect(simulate({ ...base, plugins: { scorers: [scorer('queue-depth', 1)] } }))
      .rejects.toMatchObject({ code: 'PLUGIN_INVALID', message: expect.stringContaining("the built-in scorer 'queue-depth'") });
    // an llm-d alias of a built-in is taken too
    await expect(simulate({ ...base, plugins: { scorers: [scorer('queue-scorer', 1)] } })).rejects.toMatchObject({ code: 'PLUGIN_INVALID' });
    await expect(simulate({ ...base, plugins: { admissionPolicies: [{ name: 'always-admit', create: () => ({ decide: () => null }) }] } })).rejects.toMatchObject({ code: 'PLUGIN_INVALID' });
  });

  it('an entry without a usable name or create, or a misspelt kind', async () => {
    await expect(simulate({ ...base, plugins: { scorers: [{ ...scorer('x', 1), name: 'My Scorer' }] } })).rejects.toMatchObject({ code: 'PLUGIN_INVALID', where: 'plugins.scorers[0]' });
    await expect(simulate({ ...base, plugins: { scorers: [{ name: 'no-create' } as never] } })).rejects.toMatchObject({ code: 'PLUGIN_INVALID', message: expect.stringContaining('create is not a function') });
    await expect(simulate({ ...base, plugins: { scorer: [scorer('x', 1)] } as Plugins })).rejects.toMatchObject({ code: 'UNKNOWN_OPTION', where: 'plugins.scorer', message: expect.stringContaining('did you mean scorers') });
  });
});
