// StrykerJS mutation testing (`npm run mutate`, not part of `npm test`): plants small bugs
// (mutants) in one room at a time and runs the tests that cover each; a mutant no test kills
// is a behaviour the tests do not pin. scripts/mutate.mjs runs the rooms and prints the score
// per room; BLIS_MUTATE_ROOM picks the room for a direct `npx stryker run`.
const room = process.env.BLIS_MUTATE_ROOM ?? 'kernel';
// BLIS_MUTATE_WIDE=1 (vitest.mutate.config.ts) scores the room with the rooms above it too: its own files.
const name = process.env.BLIS_MUTATE_WIDE === '1' ? `${room}-wide` : room;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  // Only the tests that ran a mutant's code run for it; incremental mode reuses every result
  // whose code and tests did not change since the last run (reports/mutation/<room>.incremental.json).
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  mutate: [`src/${room}/**/*.ts`, `!src/${room}/index.ts`],
  // A mutant in a module-level constant needs every test run against it (no per-test coverage
  // can attribute it): those are left out (reported as ignored).
  ignoreStatic: true,
  // Test processes (default 1: two cores shared by the team; BLIS_MUTATE_JOBS=2 when the machine is free).
  concurrency: Number(process.env.BLIS_MUTATE_JOBS ?? 1),
  // A mutant that loops forever (a loop bound turned around) is killed after its tests' own time
  // x 1.5 + 3 s and counted as detected (Stryker's "timeout").
  timeoutMS: 3000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
