import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { ingestText } from '../../src/ingest/ingest.js';
import { createFormatRegistry } from '../../src/ingest/registry.js';
import { WriterRegistry } from '../../src/ingest/writers/registry.js';
import { CARRIED } from './helpers.js';

const formats = createFormatRegistry();
const writers = new WriterRegistry();

const text = fc.stringMatching(/^[A-Za-z0-9 ,"'#:_.-]{1,12}$/);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const requestArb = fc.record({
  id: text,
  inputTokens: fc.nat(200_000),
  outputTokens: fc.nat(10_000),
  prefix: opt(fc.record({ group: text, tokens: fc.nat(4096) })),
  hashIds: opt(fc.record({ ids: fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 6 }), blockTokens: fc.integer({ min: 1, max: 1024 }) })),
  session: opt(fc.record({ sessionId: text, turn: opt(fc.nat(50)) })),
  model: opt(text),
  tenant: opt(text),
  sloClass: opt(text),
  priority: opt(fc.integer({ min: -10, max: 10 })),
  stage: opt(fc.nat(9)),
  ttftUs: opt(fc.nat(1e9)),
  e2eUs: opt(fc.nat(1e9)),
});

/** Sorted arrivals (readers of relative formats keep times; ties keep order). */
const streamArb = fc.array(fc.tuple(fc.nat(1e12), requestArb), { minLength: 1, maxLength: 40, size: 'max' }).map((pairs) => {
  const times = pairs.map((p) => p[0]).sort((a, b) => a - b);
  return pairs.map(([, g], i): ArrivalRequest => {
    const r: Record<string, unknown> = { id: g.id, arrivalUs: times[i], inputTokens: g.inputTokens, outputTokens: g.outputTokens };
    if (g.prefix) r['prefix'] = g.prefix;
    if (g.hashIds) r['hashIds'] = g.hashIds;
    if (g.session) {
      r['sessionId'] = g.session.sessionId;
      if (g.session.turn !== undefined) r['turn'] = g.session.turn;
    }
    for (const k of ['model', 'tenant', 'sloClass', 'priority', 'stage'] as const) if (g[k] !== undefined) r[k] = g[k];
    if (g.ttftUs !== undefined || g.e2eUs !== undefined) {
      r['observed'] = { ...(g.ttftUs !== undefined ? { ttftUs: g.ttftUs } : {}), ...(g.e2eUs !== undefined ? { e2eUs: g.e2eUs } : {}) };
    }
    return r as unknown as ArrivalRequest;
  });
});

function write(name: string, requests: readonly ArrivalRequest[]): { data: string; header?: string } {
  let data = '';
  let header: string | undefined;
  const w = writers.get(name).create({ data: (c) => { data += c; }, header: (t) => { header = t; } }, {});
  for (const r of requests) w.write(r);
  w.end();
  return header !== undefined ? { data, header } : { data };
}

function read(name: string, file: { data: string; header?: string }): ArrivalRequest[] {
  const { requests, summary } = ingestText(formats.get(name), `x.${name}`, file.data, { strict: true, ...(file.header !== undefined ? { traceHeader: file.header } : {}) });
  expect(summary.skipped).toEqual({});
  return requests;
}

describe('convert round trips', () => {
  test.each(Object.keys(CARRIED))('%s: write then read is the identity on the fields it carries', (name) => {
    fc.assert(fc.property(streamArb, (requests) => {
      const back = read(name, write(name, requests));
      expect(back).toEqual(requests.map(CARRIED[name]!));
    }), { numRuns: 150 });
  });

  test('A → B → A is the identity on the fields both carry, for every pair of writers', () => {
    const names = Object.keys(CARRIED);
    fc.assert(fc.property(streamArb, fc.constantFrom(...names), fc.constantFrom(...names), (requests, a, b) => {
      const viaA = read(a, write(a, requests));
      const viaB = read(b, write(b, viaA));
      const backA = read(a, write(a, viaB));
      const both = (r: ArrivalRequest) => CARRIED[b]!(CARRIED[a]!(r));
      expect(backA).toEqual(requests.map(both));
    }), { numRuns: 150 });
  });

  test('the sniffer recognises every writer output as the matching format', () => {
    const sample: ArrivalRequest[] = [{ id: 'a', arrivalUs: 0, inputTokens: 1, outputTokens: 1 }];
    for (const name of Object.keys(CARRIED)) {
      const file = write(name, sample);
      expect(formats.sniff({ head: file.data, fileName: 'out' })).toBe(name);
    }
  });
});
