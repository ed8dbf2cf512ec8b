import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import * as ingestModule from '../../src/ingest/ingest.js';
import { ingestText } from '../../src/ingest/ingest.js';
import { readTrace } from '../../src/ingest/open.node.js';
import { createFormatRegistry } from '../../src/ingest/registry.js';
import { FIXTURES } from './helpers.js';

const registry = createFormatRegistry();

describe('bad input never crashes and never silently drops', () => {
  test('malformed BurstGPT rows are skipped and counted per code with file:line', async () => {
    const { requests, summary } = await readTrace(`${FIXTURES}burstgpt-malformed.csv`);
    expect(requests.map((r) => r.inputTokens)).toEqual([100, 70, 80]);
    expect(summary.rows).toBe(8);
    expect(summary.skipped).toEqual({ FIELD_NOT_NUMBER: 1, BURSTGPT_FAILED: 2, CSV_COLUMN_COUNT: 1, FIELD_BAD_TOKENS: 1 });
    expect(summary.messages).toEqual([
      "burstgpt-malformed.csv:3: Request tokens is 'abc', expected a number [FIELD_NOT_NUMBER]",
      'burstgpt-malformed.csv:4: failed request (Response tokens = 0, Request tokens = 0) [BURSTGPT_FAILED]',
      'burstgpt-malformed.csv:5: failed request (Response tokens = 0, Request tokens = 50) [BURSTGPT_FAILED]',
      'burstgpt-malformed.csv:7: has 5 fields, the header has 8 [CSV_COLUMN_COUNT]',
      "burstgpt-malformed.csv:8: Request tokens is '-5', expected a non-negative integer [FIELD_BAD_TOKENS]",
    ]);
  });

  test('strict mode stops at the first bad row with an InputError naming file:line', async () => {
    await expect(readTrace(`${FIXTURES}burstgpt-malformed.csv`, { strict: true })).rejects.toMatchObject({
      code: 'FIELD_NOT_NUMBER',
      where: 'burstgpt-malformed.csv:3',
    });
  });

  test('an arrival file\'s index orders ties of arrival time; one that is not a whole number ≥ 0 skips its row, with its line', () => {
    const text = 'id,arrival_us,input_tokens,output_tokens,index\nb,10,5,1,2\na,10,5,1,0\nc,10,5,1,1\nd,12,5,1,-1\ne,12,5,1,x\n';
    const { requests, summary } = ingestText(registry.get('arrival-csv'), 'r.csv', text);
    expect(requests.map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(summary.skipped).toEqual({ FIELD_BAD_INDEX: 1, FIELD_NOT_NUMBER: 1 });
    expect(summary.messages[0]).toBe('r.csv:5: index is -1, expected a non-negative integer [FIELD_BAD_INDEX]');
    const jsonl = ingestText(registry.get('arrival-jsonl'), 'r.jsonl', '{"id":"b","arrival_us":10,"input_tokens":5,"output_tokens":1,"index":1}\n{"id":"a","arrival_us":10,"input_tokens":5,"output_tokens":1,"index":0}\n');
    expect(jsonl.requests.map((r) => r.id)).toEqual(['a', 'b']);
  });

  test('an empty file is an InputError', async () => {
    await expect(readTrace(`${FIXTURES}empty.csv`, { format: 'azure-vidur' })).rejects.toMatchObject({ code: 'EMPTY_INPUT' });
    await expect(readTrace(`${FIXTURES}empty.csv`)).rejects.toMatchObject({ code: 'EMPTY_INPUT' });
  });

  test('a header without rows is an InputError', async () => {
    await expect(readTrace(`${FIXTURES}header-only.csv`)).rejects.toMatchObject({ code: 'EMPTY_INPUT', message: /no data rows/ });
  });

  test('a missing column is an InputError listing what was found', async () => {
    await expect(readTrace(`${FIXTURES}missing-column.csv`, { format: 'azure-vidur' })).rejects.toMatchObject({
      code: 'CSV_MISSING_COLUMN',
      message: /missing column 'num_decode_tokens'; found: arrived_at, num_prefill_tokens/,
    });
  });

  test('an unrecognised file asks for --format or --columns', async () => {
    await expect(readTrace(`${FIXTURES}missing-column.csv`)).rejects.toMatchObject({ code: 'FORMAT_UNKNOWN', message: /--columns/ });
  });

  test('a truncated JSONL last line is counted, the complete lines are kept', async () => {
    const { requests, summary } = await readTrace(`${FIXTURES}mooncake-truncated.jsonl`);
    expect(requests).toHaveLength(2);
    expect(summary.skipped).toEqual({ JSONL_TRUNCATED: 1 });
    expect(summary.messages[0]).toMatch(/^mooncake-truncated\.jsonl:3: last line is not complete JSON/);
    await expect(readTrace(`${FIXTURES}mooncake-truncated.jsonl`, { strict: true })).rejects.toMatchObject({ code: 'JSONL_TRUNCATED' });
  });

  test('a truncated JSON document is an InputError', () => {
    expect(() => ingestText(registry.get('vllm-bench'), 'x.json', '{"backend": "openai", "input_lens": [1, 2')).toThrow(InputError);
  });

  test('a bad line in the middle of JSONL is skipped with its line number', () => {
    const text = '{"timestamp": 0, "input_length": 1, "output_length": 1}\nnot json\n{"timestamp": 1, "input_length": 1, "output_length": "x"}\n';
    const { requests, summary } = ingestText(registry.get('mooncake'), 't.jsonl', text);
    expect(requests).toHaveLength(1);
    expect(summary.skipped).toEqual({ JSONL_BAD_LINE: 1, FIELD_NOT_NUMBER: 1 });
    expect(summary.messages[0]).toMatch(/^t\.jsonl:2: /);
  });

  test('only the first 10 messages are kept, every skip is counted', () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${i},x,1`).join('\n');
    const { summary } = ingestText(registry.get('azure-vidur'), 'm.csv', `arrived_at,num_prefill_tokens,num_decode_tokens\n${rows}\n`);
    expect(summary.skipped).toEqual({ FIELD_NOT_NUMBER: 25 });
    expect(summary.messages).toHaveLength(10);
  });

  test('quoted CSV (mapped columns): quotes, embedded commas and line numbers after the switch to csv-parse', async () => {
    const { format, requests } = await readTrace(`${FIXTURES}mapped-quoted.csv`, {
      columns: { arrival: 'ts', input: 'prompt_tokens', output: 'completion_tokens', ttft: 'ttft_ms', session: 'user' },
      timeUnit: 'ms',
    });
    expect(format).toBe('csv');
    expect(requests).toEqual([
      { id: 'r0', arrivalUs: 0, inputTokens: 10, outputTokens: 5, sessionId: 'u,1', observed: { ttftUs: 120_000 } },
      { id: 'r1', arrivalUs: 250_000, inputTokens: 20, outputTokens: 6, sessionId: 'u2' },
      { id: 'r2', arrivalUs: 1_000_000, inputTokens: 30, outputTokens: 7, sessionId: 'say "hi"', observed: { ttftUs: 90_000 } },
    ]);
    const bad = ingestText(registry.get('csv'), 'q.csv', 'a,b,c\n1,2,3\n"x",2,3\n4,5,6\n', { columns: { arrival: 'a', input: 'b', output: 'c' } });
    expect(bad.summary.messages).toEqual(["q.csv:3: a is 'x', expected a number [FIELD_NOT_NUMBER]"]);
  });

  test('unknown format names suggest close ones; OTLP is routed to the otlp slot', () => {
    expect(() => registry.get('burstgtp')).toThrow(/did you mean burstgpt/);
    expect(registry.sniff({ head: '{"resourceSpans":[{"resource":{}}]}', fileName: 'spans.json' })).toBe('otlp');
    expect(registry.sniff({ head: '\u0000\u0001binary', fileName: 'spans.pb' })).toBe('otlp');
    expect(() => registry.get('otlp')).toThrow(/not registered/);
  });

  test('TSV with a BOM and CRLF line ends, split across tiny chunks, parses like the plain file', () => {
    const tsv = '\ufeffts\tin\tout\r\n0\t5\t1\r\n\r\n1.5\t6\t2\r\n2\tx\t3\r\n';
    const entry = registry.get('csv');
    const { createIngestSession } = ingestModule;
    const bytes = new TextEncoder().encode(tsv);
    const out: number[] = [];
    const s = createIngestSession(entry, 't.tsv', { columns: { arrival: 'ts', input: 'in', output: 'out' } }, (r) => out.push(r.arrivalUs, r.inputTokens));
    for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
    s.end();
    expect(out).toEqual([0, 5, 1_500_000, 6]);
    expect(s.summary().messages).toEqual(["t.tsv:5: in is 'x', expected a number [FIELD_NOT_NUMBER]"]);
  });
});
