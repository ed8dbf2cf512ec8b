/** The library's input readers report a missing file with one code, as the CLI does. */
import { describe, expect, it } from 'vitest';
import { loadWorkload, openTrace, parseWorkload, readTrace, simulate } from '../../src/index.js';
import { runCli } from '../cli/helpers.js';

describe('library inputs', () => {
  it('a missing trace and a missing workload spec are both FILE_UNREADABLE', async () => {
    await expect(readTrace('/no/such/trace.csv')).rejects.toMatchObject({ name: 'InputError', code: 'FILE_UNREADABLE', where: '/no/such/trace.csv' });
    await expect(openTrace('/no/such/trace.csv')).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    await expect(loadWorkload('/no/such/spec.yaml')).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    const replay = await runCli(['replay', '/no/such/trace.csv']);
    expect(replay.err).toContain('[FILE_UNREADABLE]');
  });
});

describe('workload specs built in code', () => {
  const yaml = 'seed: 7\nrate: 20\nnum_requests: 40\nclients:\n  - {name: chat, preset: chatbot, rate_fraction: 0.7}\n  - {name: ide, preset: codegen, rate_fraction: 0.3}\n';
  const object = { seed: 7, rate: 20, num_requests: 40, clients: [{ name: 'chat', preset: 'chatbot', rate_fraction: 0.7 }, { name: 'ide', preset: 'codegen', rate_fraction: 0.3 }] };

  it('parseWorkload takes YAML text or a plain object in the file schema and simulates as the file would', async () => {
    const fromText = (await simulate({ model: 'qwen/qwen3-14b', spec: parseWorkload(yaml, 'mine.yaml') })).metrics;
    const fromObject = (await simulate({ model: 'qwen/qwen3-14b', spec: parseWorkload(object, 'mine.yaml') })).metrics;
    expect(fromText.requests.injected).toBe(40);
    expect(JSON.stringify(fromObject)).toBe(JSON.stringify(fromText));
  });

  it('parseWorkload checks an object field by field, naming the field', () => {
    expect(() => parseWorkload({ clients: [{ preset: 'chatbot', rate_fractoin: 1 }] })).toThrow(expect.objectContaining({ code: 'SPEC_UNKNOWN_FIELD', message: expect.stringContaining("workload spec clients[0].rate_fractoin: unknown field 'rate_fractoin' (did you mean rate, rate_fraction?)") }));
  });

  it('simulate refuses a spec object that has not been parsed, instead of failing inside with a TypeError', async () => {
    await expect(simulate({ model: 'qwen/qwen3-14b', spec: { clients: 'x' } as never })).rejects.toMatchObject({ code: 'OPTION_INVALID', where: 'spec', message: expect.stringContaining('parseWorkload') });
  });
});
