import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderWorkloadReference } from '../../src/workload/reference.js';

it('docs/workloads.md carries the reference generated from the registries', () => {
  const doc = readFileSync(new URL('../../docs/workloads.md', import.meta.url), 'utf8');
  const section = doc.split('<!-- reference:start -->\n')[1]?.split('\n<!-- reference:end -->')[0];
  expect(section).toBe(renderWorkloadReference());
});
