import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const FIXTURE = 'test/fixtures/validate/small.json';

describe('blis calibrate', () => {
  it('fits, scores the full runs and writes a coefficients file with provenance that validate accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-'));
    const out = join(dir, 'c.json');
    const r = await runCli(['calibrate', FIXTURE, '--params', 'firstTokenUs', '--max-evaluations', '12', '--fraction', '1', '--jobs', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('in-sample');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.schema).toBe('blis.step-coefficients/v1');
    expect(doc.provenance).toMatchObject({ status: 'fitted', inputs: ['fixture-llama-2-7b-tp1-small'] });
    expect(doc.provenance.objective).toContain('ln(predicted/actual)');
    expect(Object.keys(doc.provenance.per_experiment_error_pct)).toEqual(['fixture-llama-2-7b-tp1-small']);
    expect(doc.entries[0].overheads.firstTokenUs).toBeGreaterThan(0);
    const v = await runCli(['validate', FIXTURE, '--jobs', '1', '--latency-coefficients', out, '--quiet']);
    expect(v.code).toBe(0);
  });

  it('rejects an unknown parameter name with the list of known ones (exit 2)', async () => {
    const r = await runCli(['calibrate', FIXTURE, '--params', 'warp_factor']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown parameter 'warp_factor'");
    expect(r.err).toContain('firstTokenSteps');
  });
});
