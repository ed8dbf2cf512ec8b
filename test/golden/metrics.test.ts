/**
 * A seeded golden metrics file per preset pins determinism end to end (workload draws, engine,
 * routing, step-time model, metrics). A change to one of these files is deliberate: regenerate
 * with `npx vitest run test/golden -u` and explain why in the commit.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/workload/presets.js';
import { runCli } from '../cli/helpers.js';

describe('golden metrics per preset', () => {
  for (const preset of PRESETS.map((p) => p.name)) {
    it(`${preset}: 300 requests on 2 × H100 (weighted routing), seed 1`, async () => {
      const r = await runCli(['run', '--workload', preset, '--num-requests', '300', '--rate', '8', '--num-instances', '2',
        '--model', 'meta-llama/llama-3.1-8b-instruct', '--routing-policy', 'weighted', '--seed', '1', '--output', 'json', '--quiet']);
      expect(r.code, r.err).toBe(0);
      await expect(r.out).toMatchFileSnapshot(`./${preset}.metrics.json`);
    });

    it(`${preset}: the same bytes stepping every request through every step (--no-leap)`, async () => {
      const r = await runCli(['run', '--workload', preset, '--num-requests', '300', '--rate', '8', '--num-instances', '2',
        '--model', 'meta-llama/llama-3.1-8b-instruct', '--routing-policy', 'weighted', '--seed', '1', '--output', 'json', '--quiet', '--no-leap']);
      expect(r.code, r.err).toBe(0);
      await expect(r.out).toMatchFileSnapshot(`./${preset}.metrics.json`);
    });
  }
});
