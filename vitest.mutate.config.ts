import { defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` runs against planted bugs in one room (BLIS_MUTATE_ROOM): the room's
 * own unit, property and hand-computed tests, so the score says how well the room's tests pin
 * the room. BLIS_MUTATE_WIDE=1 adds the rooms above that exercise it (cluster, invariants,
 * goldens): a higher score, hours longer on a shared machine.
 */
const OWN: Record<string, string[]> = {
  kernel: ['test/kernel'],
  engine: ['test/engine'],
  cluster: ['test/cluster'],
};
const WIDE: Record<string, string[]> = {
  kernel: ['test/kernel', 'test/engine'],
  engine: ['test/engine', 'test/cluster', 'test/invariants', 'test/golden'],
  cluster: ['test/cluster', 'test/invariants', 'test/golden', 'test/control'],
};
const TESTS = process.env['BLIS_MUTATE_WIDE'] === '1' ? WIDE : OWN;
const room = process.env.BLIS_MUTATE_ROOM ?? 'kernel';

export default defineConfig({
  test: {
    include: (TESTS[room] ?? Object.values(TESTS).flat()).map((dir) => `${dir}/**/*.test.ts`),
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
