/**
 * docs/flags.md is generated from the help text, so no help text may depend on the machine that
 * renders it: on a machine with another core count the reference would drift and its test fail.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { renderFlagReference } from '../../src/cli/flag-reference.js';
import { buildProgram } from '../../src/cli/main.node.js';

vi.mock('node:os', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:os')>()), availableParallelism: () => 61 }));

const io = { out: () => {}, err: () => {}, cwd: process.cwd(), errIsTTY: false };

describe('flag reference on another machine', () => {
  it('renders the same docs/flags.md whatever the core count', async () => {
    const doc = readFileSync(new URL('../../docs/flags.md', import.meta.url), 'utf8');
    const section = /<!-- flags:start -->\n([^]*?)\n<!-- flags:end -->/.exec(doc)?.[1];
    expect(renderFlagReference(await buildProgram(io))).toBe(section);
  });
});
