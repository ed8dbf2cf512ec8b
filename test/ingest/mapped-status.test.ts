/**
 * A mapped log's status column: failed requests in a production log (HTTP 5xx, LiteLLM's
 * status 'failure') are skipped and counted, not replayed as if they had been served.
 */
import { describe, expect, it } from 'vitest';
import { ingestText } from '../../src/ingest/ingest.js';
import { mappedCsvFormat } from '../../src/ingest/formats/mapped-csv.js';
import { mappedJsonlFormat } from '../../src/ingest/formats/mapped-jsonl.js';

const CSV = 'ts,in,out,code\n0,10,5,200\n1,10,5,503\n2,10,5,\n3,10,5,429\n4,10,5,OK\n5,10,5,maybe\n';
const columns = { arrival: 'ts', input: 'in', output: 'out', status: 'code' };

describe('a mapped status column', () => {
  it('skips failed rows as REQUEST_FAILED, keeps 2xx, OK and empty, and names an unknown value', () => {
    const { requests, summary } = ingestText(mappedCsvFormat, 'log.csv', CSV, { columns });
    expect(requests.map((r) => r.arrivalUs)).toEqual([0, 2_000_000, 4_000_000]);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 2, FIELD_BAD_STATUS: 1 });
    expect(summary.messages[0]).toBe('log.csv:3: request failed in the source (code=503) [REQUEST_FAILED]');
    expect(summary.messages[2]).toMatch(/^log\.csv:7: code is 'maybe', expected an HTTP status \(2xx = success\) or one of ok, success/);
  });

  it('keeps failed rows with keepFailed, counted', () => {
    const { requests, summary } = ingestText(mappedCsvFormat, 'log.csv', CSV, { columns, keepFailed: true });
    expect(requests).toHaveLength(5);
    expect(summary.adjusted).toEqual({ REQUEST_FAILED_KEPT: 2 });
  });

  it("reads LiteLLM's success / failure words in JSON Lines", () => {
    const log = '{"startTime":"2026-03-01 10:00:00.000","prompt_tokens":10,"completion_tokens":5,"status":"success"}\n'
      + '{"startTime":"2026-03-01 10:00:01.000","prompt_tokens":10,"completion_tokens":0,"status":"failure"}\n';
    const { requests, summary } = ingestText(mappedJsonlFormat, 'spend.jsonl', log, {
      columns: { arrival: 'startTime', input: 'prompt_tokens', output: 'completion_tokens', status: 'status' }, timeUnit: 'iso',
    });
    expect(requests).toHaveLength(1);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1 });
  });
});
