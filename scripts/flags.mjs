// Rewrites the generated flag tables (README.md "Flags at a glance", docs/flags.md) from
// commander's definitions in dist/ (`npm run docs:flags` builds first). test/cli/flag-reference.test.ts
// fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli/main.node.js';
import { renderFlagReference, renderFlagsAtAGlance } from '../dist/cli/flag-reference.js';

const root = new URL('../', import.meta.url);
const program = await buildProgram({ out: () => {}, err: () => {}, cwd: process.cwd(), env: {} });

function replaceSection(file, text) {
  const url = new URL(file, root);
  const doc = readFileSync(url, 'utf8');
  const section = /<!-- flags:start -->\n[^]*?<!-- flags:end -->/;
  if (!section.test(doc)) throw new Error(`${file}: no <!-- flags:start --> ... <!-- flags:end --> section`);
  writeFileSync(url, doc.replace(section, () => `<!-- flags:start -->\n${text}\n<!-- flags:end -->`));
}

replaceSection('README.md', renderFlagsAtAGlance(program));
replaceSection('docs/flags.md', renderFlagReference(program));
