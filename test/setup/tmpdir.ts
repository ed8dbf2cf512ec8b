/**
 * Vitest global setup: every temporary file a test makes (mkdtempSync under os.tmpdir(), and the
 * CLI processes tests spawn) goes into one directory for the run, removed when the run ends, so
 * `npm test` leaves nothing behind in the system's temporary directory. Test files keep calling
 * os.tmpdir() as usual: it reads TMPDIR, which the forked workers and their children inherit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'blis-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
