import { describe, expect, it } from 'vitest';
import { generateArrivals } from '../../src/workload/generate.js';
import { PRESETS } from '../../src/workload/presets.js';
import { resolveWorkload } from '../../src/workload/resolve.js';
import { Rng } from '../../src/kernel/rng.js';

// Pins each preset's draw order: a change here changes every seeded run's workload, so it
// must be deliberate and explained in the commit (STYLE "Tests").
describe.each(PRESETS.map((p) => [p.name]))('preset %s golden', (preset) => {
  it('first requests and totals for seed 42 are unchanged', () => {
    const rs = [...generateArrivals(resolveWorkload({ preset, rate: 25, numRequests: 2000 }), new Rng(42))];
    const totals = rs.reduce((a, r) => [a[0]! + r.arrivalUs, a[1]! + r.inputTokens, a[2]! + r.outputTokens], [0, 0, 0]);
    expect({ first: rs.slice(0, 3), totals }).toMatchSnapshot();
  });
});
