/**
 * The README's "flags at a glance" table and docs/flags.md are generated from commander's
 * definitions (src/cli/flag-reference.ts); this fails when either drifts from the commands.
 * Fix by running `npm run docs:flags`, never by editing the tables.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFlagReference, renderFlagsAtAGlance } from '../../src/cli/flag-reference.js';
import { buildProgram } from '../../src/cli/main.node.js';

const io = { out: () => {}, err: () => {}, cwd: process.cwd(), errIsTTY: false };

function section(file: string): string | undefined {
  const doc = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return /<!-- flags:start -->\n([^]*?)\n<!-- flags:end -->/.exec(doc)?.[1];
}

describe('flag tables generated from the commands', () => {
  it('README.md "flags at a glance" lists every flag of every command (npm run docs:flags)', async () => {
    expect(section('README.md')).toBe(renderFlagsAtAGlance(await buildProgram(io)));
  });

  it('docs/flags.md describes every flag of every command (npm run docs:flags)', async () => {
    expect(section('docs/flags.md')).toBe(renderFlagReference(await buildProgram(io)));
  });

  it('covers every command, and each flag of each once', async () => {
    const program = await buildProgram(io);
    const reference = renderFlagReference(program);
    for (const name of ['run', 'replay', 'convert', 'compare', 'validate', 'calibrate', 'report', 'capacity', 'sweep', 'sweep merge', 'models', 'hardware']) {
      expect(reference).toContain(`### blis ${name}`);
    }
    const glance = renderFlagsAtAGlance(program);
    const all = new Set(program.commands.flatMap((c) => [c, ...c.commands]).flatMap((c) => c.options.map((o) => o.long!)));
    for (const flag of all) expect(glance, flag).toMatch(new RegExp(`\`${flag}[\` ]`));
    // A flag of the same name and argument sits in one row only.
    const cells = glance.split('\n').slice(2).flatMap((row) => row.split(' | ')[1]!.replace(/ \|$/, '').split(', '));
    expect(new Set(cells).size).toBe(cells.length);
  });
});
