/**
 * A sweep configuration whose SLO judged no request (none arrived within a short duration, or no
 * target covers the SLO classes its requests carry) holds every check vacuously. The sweep's
 * "best" and successive halving ranked it with the configurations that hold, cheapest first, so a
 * spec whose targets name a class the workload lacks answered "best: the cheapest fleet (SLO holds)".
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankLines } from '../../src/plan/halving.js';
import type { ResultLine } from '../../src/plan/results.js';
import { runCli } from '../cli/helpers.js';

function line(index: number, fleetPerHour: number, holds: boolean, attainment: number | null, counted: number): ResultLine {
  return {
    schema: 'blis.sweep-result/v1', index, rung: 0, hash: `h${index}`, axes: { i: index }, flags: {}, command: `blis run #${index}`,
    metrics: { ttft_ms: { p99: counted > 0 ? 100 : null } },
    cost: { fleet_per_hour: fleetPerHour },
    slo: { targets: {}, holds, checks: [], attainment: { met: 0, counted, attainment, uncovered: 0, by_class: {}, by_tenant: {}, by_model: {} }, goodput: { requests_per_s: 0, input_tokens_per_s: 0, output_tokens_per_s: 0 } },
  };
}

describe('a sweep configuration that judged no request', () => {
  it('ranks after every configuration that was judged, holding or not', () => {
    // #0 cheapest, "holds" with nothing judged; #1 holds; #2 misses with 40% attained.
    const lines = [line(0, 1, true, null, 0), line(1, 4, true, 1, 50), line(2, 2, false, 0.4, 50)];
    expect(rankLines(lines).map((l) => l.index)).toEqual([1, 2, 0]);
  });

  it('is not named best with "SLO holds" (the lowest p99 TTFT is, as without targets), and the sweep warns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-sweep-unjudged-'));
    // chatbot requests carry no SLO class: batch's target covers none of them.
    writeFileSync(join(dir, 'spec.yaml'), [
      'base: {model: qwen/qwen2.5-7b-instruct, workload: chatbot, num-requests: 50, rate: 10, slo-class: "batch:ttft_p99=1"}',
      'grid:',
      '  hardware: [H100, L40S]',
    ].join('\n') + '\n');
    const r = await runCli(['sweep', 'spec.yaml', '--out', 'out', '--jobs', '1', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(/SLO holds/);
    expect(r.out).toMatch(/^best: hardware=H100 \(SLO judged no request\)$/m);
    expect(r.err).toMatch(/warning: 2 of 2 configuration\(s\) judged no request against the SLO .*: their SLO holds vacuously/);
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('(SLO judged no request)');
    expect(html).not.toMatch(/<td>holds<\/td>/);
  });
});
