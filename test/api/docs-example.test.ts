/** docs/api.md's example, run as a user would run it: `node example.mjs`, importing 'blis' by its package name. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('docs/api.md', () => {
  it('its example runs against the built package and prints what the page says', () => {
    expect(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is built by npm test (tsc) before vitest').toBe(true);
    const page = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    const at = page.indexOf('<!-- example: api -->');
    const start = page.indexOf('```js\n', at) + '```js\n'.length;
    const code = page.slice(start, page.indexOf('```', start));
    // Inside the package directory, so that `import ... from 'blis'` resolves through package.json "exports".
    mkdirSync(join(ROOT, '.cache'), { recursive: true });
    const file = join(ROOT, '.cache', 'api-example.mjs');
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^run: 500\/500 completed, TTFT p99 \d+\.\d ms, \d+ above 50 ms$/);
    expect(lines[1]).toMatch(/^replay: azure, 300 requests, 300 traces, E2E p50 \d+ ms$/);
    // the page shows the output the code prints (same shape, line for line)
    const shown = page.slice(page.indexOf('```\n', page.indexOf('Its output')) + 4);
    const shownLines = shown.slice(0, shown.indexOf('```')).trim().split('\n');
    expect(shownLines.map((l) => l.replace(/\d+(\.\d+)?/g, 'N'))).toEqual(lines.map((l) => l.replace(/\d+(\.\d+)?/g, 'N')));
  });
});
