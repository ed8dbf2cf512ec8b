/** The library functions refuse options a JavaScript caller could misspell or mistype, instead of ignoring or coercing them. */
import { describe, expect, it } from 'vitest';
import { configSummary, generateWorkload, schemaPath, simulate, validate, type SchemaName } from '../../src/index.js';

/** As a caller without the compiler's help passes them (a spread of parsed JSON, plain JavaScript). */
const loose = (o: Record<string, unknown>): Parameters<typeof simulate>[0] => o as Parameters<typeof simulate>[0];
const small = { model: 'qwen/qwen3-14b', preset: 'chatbot', rate: 5, numRequests: 5 };

describe('simulate() options', () => {
  it('refuses a misspelt option, naming it and the option meant, instead of running with the default', async () => {
    await expect(simulate(loose({ ...small, numInstance: 3 }))).rejects.toMatchObject({
      name: 'InputError', code: 'UNKNOWN_OPTION', where: 'numInstance', message: expect.stringContaining('did you mean numInstances'),
    });
  });

  it('refuses a string for a number or a boolean instead of coercing it', async () => {
    await expect(simulate(loose({ ...small, numInstances: '4' }))).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'numInstances', message: expect.stringContaining("the string '4'; expected a number") });
    // 'false' would have been truthy: prefix caching on.
    await expect(simulate(loose({ ...small, enablePrefixCaching: 'false' }))).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'enablePrefixCaching' });
    await expect(simulate(loose({ ...small, onRecord: 'log' }))).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'onRecord', message: expect.stringContaining('expected a function') });
    await expect(simulate(loose({ model: 'qwen/qwen3-14b', arrivals: 5 }))).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'arrivals' });
  });

  it('refuses scorer options that are not an object (a weight where the options go) instead of dropping them', async () => {
    await expect(simulate(loose({ ...small, routingScorers: 'prefix-affinity:1', routingScorerOptions: { 'prefix-affinity': 3 } })))
      .rejects.toMatchObject({ code: 'SCORER_OPTION_INVALID', where: 'scorer options: prefix-affinity', message: expect.stringContaining('found 3; expected an object of options') });
  });

  it('refuses options that are not an object', async () => {
    await expect(simulate(null as unknown as Parameters<typeof simulate>[0])).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'simulate(options)' });
  });

  it('takes every documented kind of value, and undefined as absent', async () => {
    const { metrics } = await simulate({ ...small, numInstances: 2, enablePrefixCaching: false, routingScorers: undefined, arrival: 'poisson', onProgress: () => {} });
    expect(metrics.instances).toHaveLength(2);
    async function* one() { yield { id: 'a', arrivalUs: 0, inputTokens: 10, outputTokens: 2 }; }
    expect((await simulate({ model: 'qwen/qwen3-14b', arrivals: one() })).metrics.requests.completed).toBe(1);
  });
});

describe('the other library functions', () => {
  it('generateWorkload, configSummary and validate refuse a misspelt option instead of using the default', async () => {
    // numRequest would have generated the default 1,000 requests; path, all sixteen shipped experiments
    expect(() => generateWorkload({ preset: 'chatbot', numRequest: 3 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION', where: 'numRequest', message: expect.stringContaining('did you mean numRequests') }));
    expect(() => configSummary({ numInstance: 3 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION', where: 'numInstance' }));
    await expect(validate({ path: ['x.json'] } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION', where: 'path', message: expect.stringContaining('did you mean paths') });
    await expect(validate({ jobs: '4' } as never)).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'jobs' });
  });

  it('schemaPath refuses a name that is not a shipped schema instead of returning a path to nothing', () => {
    expect(() => schemaPath('metric' as SchemaName)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SCHEMA', message: expect.stringContaining('did you mean metrics') }));
    expect(schemaPath('metrics')).toMatch(/schemas[/\\]metrics\.schema\.json$/);
  });
});

describe('simulate() result types', () => {
  it('the metrics config echo is an object a TypeScript caller can index without a cast', async () => {
    const { metrics } = await simulate(small);
    const policy: unknown = metrics.config['routing_policy'];
    expect(policy).toBe('round-robin');
  });
});
