/**
 * Flags that would silently lose a value: a second entry of one name (a routing scorer, an SLO
 * class) and a flag that only means something next to another one. Each is refused (exit 2)
 * naming the flag and what it needs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

export function inDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-flags-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('one entry per name', () => {
  it('--routing-scorers with a scorer twice is refused naming it', async () => {
    const r = await runCli(['run', '--num-requests', '5', '--routing-scorers', 'queue-depth:2,queue-depth:3', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_MALFORMED\] --routing-scorers: scorer 'queue-depth' is given twice/);
  });
});
