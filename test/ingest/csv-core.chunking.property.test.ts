import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { createIngestSession } from '../../src/ingest/ingest.js';
import { createFormatRegistry } from '../../src/ingest/registry.js';

const entry = createFormatRegistry().get('csv');
const options = { columns: { arrival: 't', input: 'i', output: 'o', session: 's' }, reorderWindow: 0, rebase: 'none' as const };

function run(bytes: Uint8Array, cuts: number[]): { out: ArrivalRequest[]; messages: string[] } {
  const out: ArrivalRequest[] = [];
  const s = createIngestSession(entry, 'c.csv', options, (r) => out.push(r));
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    s.push(bytes.subarray(prev, c));
    prev = c;
  }
  s.end();
  return { out, messages: s.summary().messages };
}

test('CSV parsing does not depend on where chunks are cut (fast path, quotes, multibyte, CRLF)', () => {
  const field = fc.oneof(fc.stringMatching(/^[a-zé€ ]{0,6}$/), fc.stringMatching(/^[a-z,"\n]{0,5}$/).map((x) => `"${x.replace(/"/g, '""')}"`));
  const rowArb = fc.tuple(fc.nat(1e6), fc.nat(1e5), fc.nat(1e4), field, fc.boolean());
  fc.assert(fc.property(fc.array(rowArb, { minLength: 1, maxLength: 30, size: 'max' }), fc.array(fc.nat(), { maxLength: 8 }), (rows, rawCuts) => {
    const text = `t,i,o,s\n${rows.map(([t, i, o, s, crlf], k) => `${k * 1000 + (t % 1000)},${i},${o},${s}${crlf ? '\r\n' : '\n'}`).join('')}`;
    const bytes = new TextEncoder().encode(text);
    const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const whole = run(bytes, []);
    expect(whole.out).toHaveLength(rows.length);
    expect(run(bytes, cuts)).toEqual(whole);
  }), { numRuns: 300 });
});
