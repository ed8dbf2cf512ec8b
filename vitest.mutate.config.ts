import { defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` runs against planted bugs in one room (BLIS_MUTATE_ROOM): the room's
 * own unit and property tests plus the rooms above it that exercise it directly. End-to-end CLI,
 * ingest, telemetry and validation tests target other rooms and would only slow each mutant down.
 */
const TESTS: Record<string, string[]> = {
  kernel: ['test/kernel', 'test/engine'],
  engine: ['test/engine', 'test/cluster', 'test/invariants', 'test/golden'],
  cluster: ['test/cluster', 'test/invariants', 'test/golden', 'test/control'],
};
const room = process.env.BLIS_MUTATE_ROOM ?? 'kernel';

export default defineConfig({
  test: {
    include: (TESTS[room] ?? Object.values(TESTS).flat()).map((dir) => `${dir}/**/*.test.ts`),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
