/**
 * Baseline slack: limit = measured × (1 + relative) + absolute points. A negative slack would
 * write limits under the very run they come from; it is refused before anything is simulated.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBaseline } from '../../src/validate/baseline.js';
import { runCli } from './helpers.js';

describe('baseline slack and limits must not be negative', () => {
  for (const [flag, value] of [['--slack-relative', '-0.25'], ['--slack-absolute', '-5']] as const) {
    it(`${flag} ${value} exits 2 (FLAG_OUT_OF_RANGE) before simulating`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'blis-slack-'));
      const r = await runCli(['validate', 'test/fixtures/validate/small.json', '--baseline', join(dir, 'b.json'), '--update-baseline', flag, value, '--quiet']);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(new RegExp(`\\[FLAG_OUT_OF_RANGE\\] ${flag}: found ${value}; expected a number >= 0`))]);
    });
  }

  it('a baseline file with a negative slack or limit names the field', () => {
    const base = { schema: 'blis.baseline/v1', slack: { relative: 0.1, absolute_pct: 2 }, summary: { ttft_mean: { max_mape: 10 } } };
    expect(() => parseBaseline({ ...base, slack: { relative: -1, absolute_pct: 2 } }, 'b.json')).toThrow(/b\.json: slack\.relative: found -1; expected a number >= 0/);
    expect(() => parseBaseline({ ...base, summary: { ttft_mean: { max_mape: -3 } } }, 'b.json')).toThrow(/b\.json: summary\.ttft_mean\.max_mape: found -3/);
    expect(() => parseBaseline({ ...base, experiments: { a: { ttft_mean: { max_abs_error_pct: -1 } } } }, 'b.json')).toThrow(/experiments\.a\.ttft_mean\.max_abs_error_pct: found -1/);
  });
});
