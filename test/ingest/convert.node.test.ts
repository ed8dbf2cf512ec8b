import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { convertTrace } from '../../src/ingest/convert.node.js';
import { openTrace, readTrace } from '../../src/ingest/open.node.js';
import { traceV2OutputPaths } from '../../src/ingest/paths.js';
import { createFormatRegistry } from '../../src/ingest/registry.js';
import { TRACES } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('convert (files)', () => {
  test('Mooncake → arrival CSV → TraceV2 → JSONL keeps what every format carries', async () => {
    const src = `${TRACES}mooncake-synthetic-head300.jsonl`;
    const original = await readTrace(src);
    const a = await convertTrace(src, join(dir, 'm.csv'));
    expect(a).toMatchObject({ from: 'mooncake', to: 'arrival-csv', files: [join(dir, 'm.csv')] });
    const fromCsv = await readTrace(join(dir, 'm.csv'));
    expect(fromCsv.format).toBe('arrival-csv');
    expect(fromCsv.requests).toEqual(original.requests);
    const b = await convertTrace(join(dir, 'm.csv'), join(dir, 'm.trace_data.csv'));
    expect(b.files).toEqual([join(dir, 'm.trace_header.yaml'), join(dir, 'm.trace_data.csv')]);
    const c = await convertTrace(join(dir, 'm.trace_header.yaml'), join(dir, 'm.jsonl'));
    expect(c.from).toBe('tracev2');
    const back = await readTrace(join(dir, 'm.jsonl'));
    expect(back.requests).toEqual(original.requests.map(({ hashIds: _h, ...r }) => r));
  });

  test('transformations apply during convert, with the summary', async () => {
    const r = await convertTrace(`${TRACES}burstgpt1-rows0001-0200.csv`, join(dir, 'b.jsonl'), { limit: 10, speedup: 2 });
    expect(r.summary.emitted).toBe(10);
    const lines = readFileSync(join(dir, 'b.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(JSON.parse(lines[1]!)).toMatchObject({ id: 'r1', arrival_us: 20_000_000 });
  });

  test('a .tsv output is tab-separated, and reads back as the same arrival stream', async () => {
    const src = `${TRACES}mooncake-synthetic-head300.jsonl`;
    const original = await readTrace(src);
    await convertTrace(src, join(dir, 'm.tsv'));
    const [header, first] = readFileSync(join(dir, 'm.tsv'), 'utf8').split('\n');
    expect(header!.split('\t').slice(0, 4)).toEqual(['id', 'arrival_us', 'input_tokens', 'output_tokens']);
    expect(header).not.toContain(',');
    expect(first!.split('\t')).toHaveLength(header!.split('\t').length);
    const back = await readTrace(join(dir, 'm.tsv'));
    expect(back.format).toBe('arrival-csv');
    expect(back.requests).toEqual(original.requests);
  });

  test('TraceV2 output names: either file name or a bare base', () => {
    expect(traceV2OutputPaths('/o/x.trace_data.csv')).toEqual({ header: '/o/x.trace_header.yaml', data: '/o/x.trace_data.csv' });
    expect(traceV2OutputPaths('/o/x.trace_header.yaml')).toEqual({ header: '/o/x.trace_header.yaml', data: '/o/x.trace_data.csv' });
    expect(traceV2OutputPaths('/o/x')).toEqual({ header: '/o/x.trace_header.yaml', data: '/o/x.trace_data.csv' });
  });

  test('--to-format picks the writer when the name says nothing', async () => {
    await convertTrace(`${TRACES}azure2023-conv.relative.head300.csv`, join(dir, 'conv'), { toFormat: 'tracev2' });
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['conv.trace_header.yaml', 'conv.trace_data.csv']));
    await expect(convertTrace(`${TRACES}azure2023-conv.relative.head300.csv`, join(dir, 'x.bin'))).rejects.toMatchObject({ code: 'UNKNOWN_FORMAT' });
    // Spans are not an arrival stream's to write: the message says where they come from.
    await expect(convertTrace(`${TRACES}azure2023-conv.relative.head300.csv`, join(dir, 'x.pb'))).rejects.toMatchObject({ code: 'UNKNOWN_FORMAT', message: /blis run or blis replay --otlp-out/ });
  });

  test('stopping early (limit, no reorder buffer) does not read the whole file', async () => {
    const opened = await openTrace(`${TRACES}mooncake-conversation-head300.jsonl`, { limit: 3, chunkBytes: 1024, reorderWindow: 0 });
    const ids: string[] = [];
    for await (const r of opened.requests) ids.push(r.id);
    expect(ids).toEqual(['r0', 'r1', 'r2']);
    expect(opened.summary().rows).toBeLessThan(300);
  });

  test('an OTLP entry registered from elsewhere is used for OTLP/JSON input', async () => {
    const registry = createFormatRegistry([{
      name: 'otlp', describe: 'test stub', timeBase: 'absolute', order: 'completion', sniff: () => 0,
      create: (ctx) => ({ push: () => undefined, end: () => ctx.emit({ id: 'span', arrivalUs: 7, inputTokens: 1, outputTokens: 1 }) }),
    }]);
    const path = join(dir, 'spans.json');
    (await import('node:fs')).writeFileSync(path, '{"resourceSpans": []}');
    const { format, requests } = await readTrace(path, { registry });
    expect(format).toBe('otlp');
    expect(requests).toEqual([{ id: 'span', arrivalUs: 0, inputTokens: 1, outputTokens: 1 }]);
    await expect(readTrace(path)).rejects.toMatchObject({ code: 'FORMAT_NOT_AVAILABLE' });
  });

  test('a consumer that stops early still gets the counts so far', async () => {
    const opened = await openTrace(`${TRACES}burstgpt1-rows0001-0200.csv`, { reorderWindow: 0, chunkBytes: 512 });
    let n = 0;
    for await (const _ of opened.requests) if (++n === 5) break;
    expect(opened.summary().emitted).toBeGreaterThanOrEqual(5);
    expect(opened.summary().rows).toBeLessThan(200);
  });

  test('a missing file is an InputError with the code every other missing input has', async () => {
    await expect(readTrace(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});
