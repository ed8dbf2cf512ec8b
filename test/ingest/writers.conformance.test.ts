/**
 * Writer conformance, run over the whole registry (`blis convert --to`): each writer has a
 * reader of its own name and a row in CARRIED, is the one chosen for its natural file name,
 * writes real traces that read back as the same requests (on the fields it carries), and writes
 * an empty stream as a file its reader refuses by name (EMPTY_INPUT), never one that parses wrong.
 */
import { describe, expect, test } from 'vitest';
import { ingestText } from '../../src/ingest/ingest.js';
import { readTrace } from '../../src/ingest/open.node.js';
import { createFormatRegistry } from '../../src/ingest/registry.js';
import { BUILTIN_WRITERS, WriterRegistry } from '../../src/ingest/writers/registry.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { CALIBRATION, CARRIED, FIXTURES, TRACES } from './helpers.js';

const formats = createFormatRegistry();
const writers = new WriterRegistry();

/** The file name a user would give each writer's output; every writer is listed. */
const NATURAL_PATH: Record<string, string> = {
  tracev2: 'out/run.trace_data.csv',
  'arrival-csv': 'out/run.csv',
  'arrival-jsonl': 'out/run.jsonl',
};

/** Real traces with what they exercise: hash chains and sessions, observed latencies, plain rows. */
const SAMPLES = [
  `${TRACES}mooncake-conversation-head300.jsonl`,
  `${CALIBRATION}20260217-162547-llama-2-7b-tp1-roleplay.requests.csv`,
  `${TRACES}burstgpt1-rows0001-0200.csv`,
  `${FIXTURES}vllm-bench-detailed.json`,
];

function write(name: string, requests: readonly ArrivalRequest[]): { data: string; header?: string; calls: number } {
  let data = '';
  let header: string | undefined;
  let calls = 0;
  const w = writers.get(name).create({ data: (c) => { data += c; calls++; }, header: (t) => { header = t; } }, {});
  for (const r of requests) w.write(r);
  w.end();
  return { data, calls, ...(header !== undefined ? { header } : {}) };
}

function read(name: string, file: { data: string; header?: string }): ArrivalRequest[] {
  const { requests, summary } = ingestText(formats.get(name), `x.${name}`, file.data, { strict: true, ...(file.header !== undefined ? { traceHeader: file.header } : {}) });
  expect(summary.skipped).toEqual({});
  return requests;
}

describe('writer conformance (every registered writer)', () => {
  test('every writer has a reader of its name, a CARRIED row and a natural file name', () => {
    for (const e of BUILTIN_WRITERS) {
      expect(formats.get(e.name).name, e.name).toBe(e.name);
      expect(CARRIED[e.name], e.name).toBeDefined();
      expect(NATURAL_PATH[e.name], e.name).toBeDefined();
    }
  });

  describe.each(BUILTIN_WRITERS.map((e) => e.name))('%s', (name) => {
    test('is the writer chosen for its natural file name, and no other writer claims it', () => {
      const path = NATURAL_PATH[name]!;
      expect(writers.forPath(path).name).toBe(name);
      expect(BUILTIN_WRITERS.filter((e) => e.matches(path)).map((e) => e.name)).toEqual([name]);
    });

    test.each(SAMPLES)('writes %s so that it reads back as the same requests, the same bytes every time', async (path) => {
      const { requests } = await readTrace(path);
      expect(requests.length).toBeGreaterThan(0);
      const file = write(name, requests);
      expect(write(name, requests)).toEqual(file);
      expect(read(name, file)).toEqual(requests.map(CARRIED[name]!));
    });

    test('writes an empty stream as a file its reader refuses as empty, not as malformed', () => {
      expect(() => read(name, write(name, []))).toThrowError(expect.objectContaining({ code: 'EMPTY_INPUT' }));
    });
  });
});
