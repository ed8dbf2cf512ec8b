/** The library's input readers report a missing file with one code, as the CLI does. */
import { describe, expect, it } from 'vitest';
import { loadWorkload, openTrace, readTrace } from '../../src/index.js';
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
