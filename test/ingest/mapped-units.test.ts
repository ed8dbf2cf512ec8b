/**
 * The units of a mapped log's columns: production logs pair a date-time or epoch timestamp with
 * millisecond latencies (ttft_ms, latency_ms), so the latency columns take their own unit.
 */
import { describe, expect, it } from 'vitest';
import { ingestText } from '../../src/ingest/ingest.js';
import { mappedCsvFormat } from '../../src/ingest/formats/mapped-csv.js';
import { runCli } from '../cli/helpers.js';
import { ROOT } from './helpers.js';

const LOG = 'timestamp,prompt_tokens,completion_tokens,ttft_ms,latency_ms\n'
  + '2026-03-01T10:00:00.120Z,512,128,45,1200\n2026-03-01T10:00:00.500Z,1024,64,60.5,800\n';
const columns = { arrival: 'timestamp', input: 'prompt_tokens', output: 'completion_tokens', ttft: 'ttft_ms', e2e: 'latency_ms' };

describe('mapped latency columns in their own unit', () => {
  it('reads ttft and e2e in --latency-unit ms beside ISO arrival times', () => {
    const { requests } = ingestText(mappedCsvFormat, 'log.csv', LOG, { columns, timeUnit: 'iso', latencyUnit: 'ms' });
    expect(requests.map((r) => r.observed)).toEqual([{ ttftUs: 45_000, e2eUs: 1_200_000 }, { ttftUs: 60_500, e2eUs: 800_000 }]);
    expect(requests.map((r) => r.arrivalUs)).toEqual([0, 380_000]);
  });

  it('defaults to the time unit (seconds with iso), as before', () => {
    const { requests } = ingestText(mappedCsvFormat, 'log.csv', LOG, { columns, timeUnit: 'iso' });
    expect(requests[0]!.observed).toEqual({ ttftUs: 45_000_000, e2eUs: 1_200_000_000 });
  });

  it('is a flag of replay and convert, refused for a format whose latencies carry their own unit', async () => {
    const r = await runCli(['replay', 'traces/burstgpt1-rows0001-0200.csv', '--latency-unit', 'ms'], ROOT);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[FLAG_CONFLICT] --latency-unit: the burstgpt format does not read it');
    const bad = await runCli(['replay', 'traces/burstgpt1-rows0001-0200.csv', '--latency-unit', 'min'], ROOT);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--latency-unit');
  });
});

describe('epoch nanoseconds', () => {
  it('reads --time-unit ns to the microsecond, as OpenTelemetry and Loki write times', () => {
    const log = 'ts,in,out,ttft_ns\n1772359200123456789,10,5,45000000\n1772359200124457789,10,5,\n';
    const { requests } = ingestText(mappedCsvFormat, 'log.csv', log, { columns: { arrival: 'ts', input: 'in', output: 'out', ttft: 'ttft_ns' }, timeUnit: 'ns' });
    expect(requests.map((r) => r.arrivalUs)).toEqual([0, 1001]);
    expect(requests[0]!.observed).toEqual({ ttftUs: 45_000 });
  });
});

describe('a time column read in the wrong unit', () => {
  const columns = { arrival: 'ts', input: 'in', output: 'out', ttft: 'ttft' };
  it('says which flag reads a date-time or an epoch number', () => {
    const iso = ingestText(mappedCsvFormat, 'log.csv', 'ts,in,out,ttft\n2026-03-01T10:00:00Z,1,1,\n', { columns });
    expect(iso.summary.messages[0]).toBe("log.csv:2: ts is '2026-03-01T10:00:00Z', expected a number; it is a date-time: pass --time-unit iso [FIELD_NOT_NUMBER]");
    const epoch = ingestText(mappedCsvFormat, 'log.csv', 'ts,in,out,ttft\n1772359200.5,1,1,\n', { columns, timeUnit: 'iso' });
    expect(epoch.summary.messages[0]).toMatch(/^log\.csv:2: ts is '1772359200\.5', expected a date-time like .*; it is a number: pass --time-unit s, ms, us or ns \[FIELD_BAD_TIME\]$/);
    const ttft = ingestText(mappedCsvFormat, 'log.csv', 'ts,in,out,ttft\n1,1,1,2026-03-01 10:00:00.045\n', { columns });
    expect(ttft.summary.messages[0]).toContain('it is a date-time: map a time with first_token= or end=');
  });
});

describe('a mapping given with another format', () => {
  it('is refused, not ignored', async () => {
    const r = await runCli(['replay', 'traces/burstgpt1-rows0001-0200.csv', '--format', 'burstgpt', '--columns', 'arrival=a,input=b,output=c'], ROOT);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[FLAG_CONFLICT] --columns: the burstgpt format reads its own columns');
  });
});

describe('a spreadsheet export', () => {
  it('reads a semicolon-separated log, as Excel writes CSV where the decimal separator is a comma', () => {
    const log = 'timestamp;prompt_tokens;completion_tokens\n2026-03-01 10:00:00;10;5\n2026-03-01 10:00:01;12;7\n';
    const { requests } = ingestText(mappedCsvFormat, 'sheet.csv', log, { columns: { arrival: 'timestamp', input: 'prompt_tokens', output: 'completion_tokens' }, timeUnit: 'iso' });
    expect(requests.map((r) => [r.arrivalUs, r.inputTokens, r.outputTokens])).toEqual([[0, 10, 5], [1_000_000, 12, 7]]);
  });
});
