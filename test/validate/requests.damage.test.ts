/**
 * Ground-truth per-request files with damaged times: refused by file, line (or record) and field,
 * never read as failed requests or left out of one distribution while the request counts as a
 * success. And a row that states its success may lack a TTFT (a request sent without streaming).
 */
import { describe, expect, it } from 'vitest';
import { sideFromRows } from '../../src/validate/compare.js';
import { parseLatencyTable, parseLifecycleJson } from '../../src/validate/requests.js';

const HEADER = 'arrival_us,ttft_us,e2e_us,output_tokens';

describe('per-request truth tables: damaged times', () => {
  const cases: Array<[string, RegExp]> = [
    ['1000,abc,220000,11', /t\.csv:3: ttft_us: found "abc"; expected microseconds or blank/],
    ['1000,NaN,220000,11', /t\.csv:3: ttft_us: found "NaN"/],
    ['1000,-5,220000,11', /t\.csv:3: ttft_us: found -5 for a request not marked failed/],
    ['1000,20000,-220000,11', /t\.csv:3: e2e_us: found -220000 for a request not marked failed/],
    ['1000,20000,oops,11', /t\.csv:3: e2e_us: found "oops"/],
    ['1000,300000,220000,11', /t\.csv:3: ttft_us: found 300000, later than e2e_us 220000/],
  ];
  for (const [bad, message] of cases) {
    it(`refuses ${bad} (before: read as a failure or dropped from E2E)`, () => {
      expect(() => parseLatencyTable(`${HEADER}\n0,10000,110000,11\n${bad}\n`, 't.csv', 'csv')).toThrow(message);
    });
  }

  it('names the line a row is on, past blank lines', () => {
    expect(() => parseLatencyTable(`${HEADER}\n0,10000,110000,11\n\n\n1000,abc,220000,11\n`, 't.csv', 'csv')).toThrow(/t\.csv:5: ttft_us/);
  });

  it('a JSONL line that is JSON but no object is a syntax error by line, not a crash', () => {
    for (const line of ['null', '5', '[1,2]']) {
      expect(() => parseLatencyTable(`{"arrival_us":0,"ttft_us":1,"e2e_us":2}\n${line}\n`, 't.jsonl', 'jsonl')).toThrow(/t\.jsonl:2: not a JSON object/);
    }
  });

  it("a failed row's times may be blank or negative; an error message in the error column is a failure", () => {
    const rows = parseLatencyTable('arrival_us,ttft_us,e2e_us,output_tokens,error\n0,10000,110000,11,0\n1,-1,,0,1\n2,5,9,0,TimeoutError\n', 't.csv', 'csv');
    expect(rows.map((r) => r.error)).toEqual([false, true, true]);
  });

  it('a row that states success without a TTFT is a success with its E2E (not streamed); unstated, it stays a failure', () => {
    const rows = parseLatencyTable('arrival_us,ttft_us,e2e_us,output_tokens,error\n0,,110000,11,0\n1,,220000,11,false\n2,,300000000,0,1\n3,,300000000,0,\n', 't.csv', 'csv');
    expect(rows.map((r) => r.error)).toEqual([false, false, true, true]);
    const side = sideFromRows(rows);
    expect(side.summary.counts).toEqual({ ok: 2, failed: 2 });
    expect(side.summary.dists.e2e!.mean).toBe(165);
    expect(side.summary.dists.ttft).toBeUndefined();
    expect(() => parseLatencyTable('arrival_us,ttft_us,e2e_us,error\n0,,,0\n', 't.csv', 'csv')).toThrow(/t\.csv:2: e2e_us: found neither ttft_us nor e2e_us for a request marked successful/);
  });
});

describe('inference-perf lifecycle JSON: damaged times', () => {
  const rec = (o: Record<string, unknown>) => ({ start_time: 100, end_time: 101, info: { output_tokens: 3, output_token_times: [100.2, 100.5, 101] }, error: null, ...o });
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an end before the start', { end_time: 99.5 }, /lc\.json\[1\]\.end_time: found 99\.5, before start_time 100/],
    ['an end that is no number', { end_time: 'x' }, /lc\.json\[1\]\.end_time: found "x"; expected seconds/],
    ['a first token before the start', { info: { output_tokens: 2, output_token_times: [99.9, 100.5] } }, /lc\.json\[1\]\.output_token_times\[0\]: found 99\.9, before start_time 100/],
    ['a first token after the end', { info: { output_tokens: 2, output_token_times: [101.5, 101.6] } }, /output_token_times\[0\]: found 101\.5, after end_time 101/],
    ['a token time that is no number', { info: { output_tokens: 2, output_token_times: [100.2, 'late'] } }, /output_token_times\[1\]: found "late"; expected seconds/],
  ];
  for (const [what, o, message] of cases) {
    it(`refuses ${what} on a successful record`, () => {
      expect(() => parseLifecycleJson([rec({}), rec(o)], 'lc.json')).toThrow(message);
    });
  }
  it("a failed record's times are not read", () => {
    const rows = parseLifecycleJson([rec({}), rec({ end_time: 99, error: { error_type: 'timeout' } })], 'lc.json');
    expect(rows.map((r) => r.error)).toEqual([false, true]);
  });
});
