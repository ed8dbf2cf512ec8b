import { describe, expect, test } from 'vitest';
import { parseIsoUs, parseTimeUs, RowError } from '../../src/ingest/fields.js';
import { parseColumnMapping, parseTimeUnit } from '../../src/ingest/formats/mapped-csv.js';

describe('field parsing', () => {
  test('ISO date-times keep sub-millisecond digits and honour offsets', () => {
    const base = Date.UTC(2023, 10, 16, 18, 17, 3) * 1000;
    expect(parseIsoUs('2023-11-16 18:17:03.9799600', 't')).toBe(base + 979_960);
    expect(parseIsoUs('2023-11-16T18:17:03.9799604Z', 't')).toBe(base + 979_960);
    expect(parseIsoUs('2023-11-16 18:17:03', 't')).toBe(base);
    expect(parseIsoUs('2023-11-16 20:17:03.5+02:00', 't')).toBe(base + 500_000);
    expect(parseIsoUs('2024-05-10 00:00:00.009930+00:00', 't')).toBe(Date.UTC(2024, 4, 10) * 1000 + 9_930);
    // BigQuery's CSV export and SQL clients name the zone.
    expect(parseIsoUs('2023-11-16 18:17:03.979960 UTC', 't')).toBe(base + 979_960);
    expect(parseIsoUs('2023-11-16T18:17:03 GMT', 't')).toBe(base);
    expect(() => parseIsoUs('16/11/2023', 't')).toThrow(RowError);
  });

  test('numeric time units', () => {
    expect(parseTimeUs('1.5', 's', 't')).toBe(1_500_000);
    expect(parseTimeUs('2.25', 'ms', 't')).toBe(2_250);
    expect(parseTimeUs('7', 'us', 't')).toBe(7);
  });

  test('--columns and --time-unit values are validated with the flag named', () => {
    expect(parseColumnMapping('arrival=ts, input=prompt_tokens,output=completion_tokens,ttft=ttft_ms')).toEqual({
      arrival: 'ts', input: 'prompt_tokens', output: 'completion_tokens', ttft: 'ttft_ms',
    });
    expect(() => parseColumnMapping('arrival=ts,input=p')).toThrow(/--columns.*missing output/);
    expect(() => parseColumnMapping('arrival=ts,input=p,output=o,foo=bar')).toThrow(/'foo=bar'/);
    expect(parseTimeUnit('iso')).toBe('iso');
    expect(() => parseTimeUnit('hours')).toThrow(/known: ns, us, ms, s, iso/);
  });
});
