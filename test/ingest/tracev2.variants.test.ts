/**
 * TraceV2 as other inference-sim versions write it (facts from inference-sim
 * sim/workload/tracev2.go, cmd/observe.go, cmd/replay.go, cmd/root.go at f90a1e3). The fixture is
 * hand-written to that schema: test/fixtures/ingest/README.md.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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

  test('the server\'s prompt count (server_input_tokens > 0) is the prompt, except under a prefix group; 0 or blank is unrecorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-tracev2-'));
    const header = 'request_id,session_id,round_index,prefix_group,prefix_length,input_tokens,output_tokens,server_input_tokens,arrival_time_us,status';
    writeFileSync(join(dir, 'x.trace_header.yaml'), 'trace_version: 2\ntime_unit: us\nmode: real\n');
    writeFileSync(join(dir, 'x.trace_data.csv'), `${header}\na,,0,,0,640,10,655,0,ok\nb,,0,sys,128,72,10,205,1000,ok\nc,,0,,0,900,10,,2000,ok\nd,,0,,0,300,10,0,3000,ok\n`);
    const { requests, summary } = await readTrace(join(dir, 'x.trace_header.yaml'));
    expect(requests.map((r) => r.inputTokens)).toEqual([655, 128 + 72, 900, 300]);
    expect(summary.adjusted).toEqual({ SERVER_INPUT_TOKENS: 1 });
  });

  test('a prefixed row whose server count matches input_tokens carries the whole prompt (blis wrote it so before 2026-12-07); equal counts are no change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-tracev2-'));
    const header = 'request_id,prefix_group,prefix_length,input_tokens,output_tokens,server_input_tokens,arrival_time_us';
    // old: whole prompt 100 (prefix 50 inside it); inference-sim: suffix 100 after a 50-token prefix, the server saw 151;
    // no prefix, server count equal to the request's.
    writeFileSync(join(dir, 'y.trace_header.yaml'), 'trace_version: 2\ntime_unit: us\nmode: generated\n');
    writeFileSync(join(dir, 'y.trace_data.csv'), `${header}\nold,sys,50,100,10,100,0\nsim,sys,50,100,10,151,1000\nplain,,0,300,10,300,2000\n`);
    const { requests, summary } = await readTrace(join(dir, 'y.trace_header.yaml'));
    expect(requests.map((r) => [r.id, r.inputTokens, r.prefix?.tokens])).toEqual([['old', 100, 50], ['sim', 150, 50], ['plain', 300, undefined]]);
    expect(summary.adjusted).toEqual({ INPUT_TOKENS_WHOLE_PROMPT: 1 });
  });

  test('session_context_growth: accumulate: a round\'s input_tokens are what it adds to the previous prompt and output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-tracev2-'));
    const header = 'request_id,session_id,round_index,input_tokens,output_tokens,arrival_time_us,status';
    writeFileSync(join(dir, 'z.trace_header.yaml'), 'trace_version: 3\ntime_unit: microseconds\nmode: converted\nsession_context_growth: accumulate\n');
    // s1's round 1 failed: skipped, but its prompt and output are still part of round 2's.
    // s3 starts at round 1 (its round 0 is not in this file): no prompt to add to, skipped.
    const rows = ['a0,s1,0,100,20,0,ok', 'b0,s2,0,50,5,500,ok', 'a1,s1,1,30,10,1000,error', 'c1,s3,1,40,4,1500,ok', 'a2,s1,2,7,3,2000,ok', 'x,,0,400,10,2500,ok', 'b1,s2,1,9,1,3000,ok'];
    writeFileSync(join(dir, 'z.trace_data.csv'), `${header}\n${rows.join('\n')}\n`);
    const { requests, summary } = await readTrace(join(dir, 'z.trace_header.yaml'));
    expect(requests.map((r) => [r.id, r.inputTokens])).toEqual([['a0', 100], ['b0', 50], ['a2', 100 + 20 + 30 + 10 + 7], ['x', 400], ['b1', 50 + 5 + 9]]);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1, TRACEV2_ACCUMULATE_NO_PREVIOUS: 1 });
    expect(summary.messages.join('\n')).toMatch(/z\.trace_data\.csv:5: .*session s3 round 1.*round 0/);
    expect(summary.adjusted).toEqual({ TRACEV2_ACCUMULATED_INPUT: 2 });
    const { parseTraceV2Header } = await import('../../src/ingest/formats/tracev2.js');
    expect(() => parseTraceV2Header('trace_version: 3\ntime_unit: us\nsession_context_growth: Accumulate\n', 'h.yaml')).toThrow(/session_context_growth 'Accumulate'.*accumulate/);
  });

  test('a non-streamed row (streaming false) has no observed TTFT: its one chunk is the whole response', async () => {
    // inference-sim's own notes: for Streaming false, first_chunk − send is the E2E (one chunk), and
    // comparing it with a simulated TTFT is "semantically incorrect".
    const dir = mkdtempSync(join(tmpdir(), 'blis-tracev2-'));
    const header = 'request_id,streaming,input_tokens,output_tokens,arrival_time_us,send_time_us,first_chunk_time_us,last_chunk_time_us,num_chunks,status';
    writeFileSync(join(dir, 'x.trace_header.yaml'), 'trace_version: 2\ntime_unit: us\nmode: real\n');
    writeFileSync(join(dir, 'x.trace_data.csv'), `${header}\ns,true,100,10,0,1000000,1050000,1500000,11,ok\nn,false,100,10,100,1000100,1600100,1600100,1,ok\nN,FALSE,100,10,200,1000200,1700200,1700200,1,ok\nu,,100,10,300,1000300,1040300,1400300,11,ok\n`);
    const { requests } = await readTrace(join(dir, 'x.trace_header.yaml'));
    expect(requests.map((r) => [r.id, r.observed])).toEqual([
      ['s', { ttftUs: 50_000, e2eUs: 500_000 }],
      ['n', { e2eUs: 600_000 }],
      ['N', { e2eUs: 700_000 }],
      ['u', { ttftUs: 40_000, e2eUs: 400_000 }],
    ]);
  });

  test('a gzipped data file (x.trace_data.csv.gz) pairs with its header either way, so the header\'s time unit applies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-tracev2-'));
    const header = 'request_id,input_tokens,output_tokens,arrival_time_us,send_time_us,first_chunk_time_us,last_chunk_time_us,status';
    writeFileSync(join(dir, 'x.trace_header.yaml'), 'trace_version: 2\ntime_unit: ms\nmode: real\n');
    writeFileSync(join(dir, 'x.trace_data.csv.gz'), gzipSync(`${header}\na,100,10,0,1000,1050,1500,ok\nb,100,10,2,1002,1042,1402,ok\n`));
    for (const path of [join(dir, 'x.trace_header.yaml'), join(dir, 'x.trace_data.csv.gz')]) {
      const { format, requests } = await readTrace(path);
      expect(format, path).toBe('tracev2');
      expect(requests.map((r) => [r.arrivalUs, r.observed]), path).toEqual([[0, { ttftUs: 50_000, e2eUs: 500_000 }], [2000, { ttftUs: 40_000, e2eUs: 400_000 }]]);
    }
  });

  test('an unknown time unit is still refused with the header named', async () => {
    const { parseTraceV2Header } = await import('../../src/ingest/formats/tracev2.js');
    expect(() => parseTraceV2Header('trace_version: 3\ntime_unit: fortnights\n', 'h.yaml')).toThrow(/fortnights/);
    expect(() => parseTraceV2Header('trace_version: 4\ntime_unit: us\n', 'h.yaml')).toThrow(/expected 2 or 3/);
  });
});
