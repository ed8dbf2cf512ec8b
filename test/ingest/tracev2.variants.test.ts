/**
 * TraceV2 as other inference-sim versions write it (facts from inference-sim
 * sim/workload/tracev2.go, cmd/observe.go, cmd/replay.go, cmd/root.go at f90a1e3). The fixture is
 * hand-written to that schema: test/fixtures/ingest/README.md.
 */
import { describe, expect, test } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { FIXTURES } from './helpers.js';

const HEADER = `${FIXTURES}tracev2-v3.trace_header.yaml`;

describe('TraceV2 variants', () => {
  test('a version-3 header with time_unit "microseconds" is read, from either file', async () => {
    for (const path of [HEADER, `${FIXTURES}tracev2-v3.trace_data.csv`]) {
      const { format, requests, summary } = await readTrace(path);
      expect(format, path).toBe('tracev2');
      expect(requests.map((r) => r.arrivalUs), path).toEqual([0, 250_000]);
      expect(summary.skipped, path).toEqual({ REQUEST_FAILED: 1 });
    }
  });

  test('with a prefix group, input_tokens is the part after the prefix: the prompt is prefix_length + input_tokens', async () => {
    const { requests } = await readTrace(HEADER);
    expect(requests[0]).toMatchObject({ id: '0', inputTokens: 640 });
    expect(requests[0]!.prefix).toBeUndefined();
    expect(requests[1]).toMatchObject({ id: '1', inputTokens: 128 + 72, prefix: { group: 'sys', tokens: 128 } });
  });

  test('a generated trace (send = arrival, relative) keeps the observed latencies of the request sent at 0', async () => {
    const { requests } = await readTrace(HEADER);
    expect(requests[0]!.observed).toEqual({ ttftUs: 41_000, e2eUs: 652_000 });
    expect(requests[1]!.observed).toEqual({ ttftUs: 48_000, e2eUs: 550_000 });
    const kept = await readTrace(HEADER, { keepFailed: true });
    expect(kept.requests[2]).toMatchObject({ id: '2', inputTokens: 900 });
    expect(kept.requests[2]!.observed).toBeUndefined();
  });

  test('an unknown time unit is still refused with the header named', async () => {
    const { parseTraceV2Header } = await import('../../src/ingest/formats/tracev2.js');
    expect(() => parseTraceV2Header('trace_version: 3\ntime_unit: fortnights\n', 'h.yaml')).toThrow(/fortnights/);
    expect(() => parseTraceV2Header('trace_version: 4\ntime_unit: us\n', 'h.yaml')).toThrow(/expected 2 or 3/);
  });
});
