/**
 * The workload reference generated from the registries (arrival processes, length
 * distributions, presets), for `--help` and docs/workloads.md, so no list is written twice.
 */
import { ARRIVAL_PROCESSES } from './arrival.js';
import { LENGTH_DISTRIBUTIONS } from './lengths.js';
import type { Entry } from './options.js';
import { PRESETS } from './presets.js';

function optionText(entry: Entry): string {
  const parts = Object.entries(entry.options).map(([name, o]) => {
    const bits = [o.unit, o.default !== undefined ? `default ${o.default}` : o.optional ? 'optional' : 'required'].filter(Boolean);
    return `\`${name}\` (${bits.join(', ')}): ${o.describe}`;
  });
  return parts.length ? parts.join('; ') : 'none';
}

/** Markdown tables of every arrival process, length distribution and preset. */
export function renderWorkloadReference(): string {
  const lines: string[] = [];
  lines.push('| arrival process | what it does | options |', '|---|---|---|');
  for (const e of ARRIVAL_PROCESSES) lines.push(`| \`${e.name}\` | ${e.describe} | ${optionText(e)} |`);
  lines.push('', '| length distribution | what it does | options |', '|---|---|---|');
  for (const e of LENGTH_DISTRIBUTIONS) lines.push(`| \`${e.name}\` | ${e.describe} | ${optionText(e)} |`);
  lines.push('', '| preset | shape |', '|---|---|');
  for (const p of PRESETS) lines.push(`| \`${p.name}\` | ${p.describe} |`);
  return lines.join('\n');
}
