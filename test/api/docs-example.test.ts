/**
 * docs/api.md's example, run as a user would run it: `node example.mjs` in their own project,
 * importing 'blis' by its package name, and type-checked as `example.mts` with `tsc --strict`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
/** The fenced block after `<!-- example: NAME -->`. */
function example(name: string, lang: string): string {
  const start = page.indexOf(`\`\`\`${lang}\n`, page.indexOf(`<!-- example: ${name} -->`)) + lang.length + 4;
  return page.slice(start, page.indexOf('```', start));
}
const code = example('api', 'js');
const plugins = example('plugins', 'ts');

/**
 * A project outside the repository with blis installed as npm lays it out: node_modules/blis (a
 * link to this package) and its dependencies hoisted beside it. Nothing resolves through the
 * repository's working directory, so a path relative to it fails here as it would for a user.
 */
let project = '';
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'blis-api-example-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'blis'), 'dir');
  for (const scope of ['@opentelemetry', '@types']) symlinkSync(join(ROOT, 'node_modules', scope), join(project, 'node_modules', scope), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module', dependencies: { blis: 'file:blis' } }));
});
afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

describe('docs/api.md', () => {
  it('its example runs in a project of its own and prints exactly what the page shows', () => {
    expect(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is built by npm test (tsc) before vitest').toBe(true);
    const file = join(project, 'example.mjs');
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^run: 500\/500 completed, TTFT p99 \d+\.\d ms, \d+ above 50 ms$/);
    expect(lines[1]).toMatch(/^replay: azure, 300 requests, 300 traces, E2E p50 \d+ ms$/);
    // The page says the figures are deterministic for its seeds: a reader compares them.
    const shown = page.slice(page.indexOf('```\n', page.indexOf('Its output')) + 4);
    expect(shown.slice(0, shown.indexOf('```')).trim().split('\n')).toEqual(lines);
  });

  it('its examples type-check against the shipped declarations with tsc --strict, and the plug-in one runs', () => {
    writeFileSync(join(project, 'example.mts'), code);
    writeFileSync(join(project, 'plugins.mts'), plugins);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'out', 'example.mts', 'plugins.mts'];
    let out = '';
    try {
      execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe('');
    const printed = execFileSync(process.execPath, [join(project, 'out', 'plugins.mjs')], { cwd: project, encoding: 'utf8' });
    expect(printed).toMatch(/^\d+ completed, \d+ refused as too long\n$/);
  }, 60_000);
});
