/** Collector file-exporter framing (4-byte big-endian length), gzip in and out, base64 ids refused. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { formatRegistry } from '../../src/cli/ingest-flags.js';
import { OtlpFileSink, otlpFileFormat, type OtlpFraming } from '../../src/telemetry/file-sink.node.js';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { readOtlpBytes, readOtlpFile } from '../../src/telemetry/otlp-reader.node.js';
import { completed, rejected } from './records.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-framing-'));
const recs = Array.from({ length: 20 }, (_, i) => (i % 6 === 5 ? rejected(i) : completed(i)));
const t = resolveTelemetry({ seed: 4, batchTraces: 6 });

async function write(name: string, framing: OtlpFraming = 'varint'): Promise<Buffer> {
  const path = join(dir, name);
  const sink = new OtlpFileSink(path, t, otlpFileFormat(path), undefined, framing);
  for (const r of recs) sink.add(r);
  await sink.close();
  return readFileSync(path);
}

const ids = (path: string, bytes: Buffer): string[] => readOtlpBytes(bytes, path).map((r) => `${r.id}@${r.arrivalUs}`);

describe('OTLP file framing and compression', () => {
  it('writes u32be framing the way the Collector file exporter does: a 4-byte big-endian length before every message', async () => {
    const b = await write('c.pb', 'u32be');
    const T = loadOtlpSchema().TracesData;
    let pos = 0;
    let messages = 0;
    while (pos < b.length) {
      const len = b.readUInt32BE(pos);
      const m = T.decode(b.subarray(pos + 4, pos + 4 + len)) as unknown as { resourceSpans: unknown[] };
      expect(m.resourceSpans.length).toBe(1);
      pos += 4 + len;
      messages++;
    }
    expect(pos).toBe(b.length);
    expect(messages).toBe(4); // 20 traces, 6 per batch
    expect(ids('c.pb', b)).toEqual(ids('v.pb', await write('v.pb')));
  });

  it('reads u32be framing streamed as well as whole, and reports a cut file', async () => {
    await write('s.pb', 'u32be');
    const streamed: string[] = [];
    for await (const r of readOtlpFile(join(dir, 's.pb'), { streamAboveBytes: 0 })) streamed.push(`${r.id}@${r.arrivalUs}`);
    expect(streamed).toEqual(ids('s.pb', readFileSync(join(dir, 's.pb'))));
    const b = readFileSync(join(dir, 's.pb'));
    expect(() => readOtlpBytes(b.subarray(0, b.length - 5), 'cut.pb')).toThrowError(expect.objectContaining({ code: 'OTLP_TRUNCATED' }));
  });

  it('gzips .gz output (protobuf and JSON Lines) and reads it back, also through replay\'s ingest path', async () => {
    const plainPb = await write('p.pb');
    const gzPb = await write('p.pb.gz');
    expect(gzPb[0]).toBe(0x1f);
    expect(Buffer.compare(gunzipSync(gzPb), plainPb)).toBe(0);
    const plainJson = await write('p.jsonl');
    const gzJson = await write('p.jsonl.gz');
    expect(gunzipSync(gzJson).toString('utf8')).toBe(plainJson.toString('utf8'));
    const expected = ids('p.pb', plainPb);
    expect(ids('p.pb.gz', gzPb)).toEqual(expected);
    expect(ids('p.jsonl.gz', gzJson)).toEqual(expected);
    const viaIngest = await readTrace(join(dir, 'p.pb.gz'), { registry: formatRegistry() });
    expect(viaIngest.format).toBe('otlp');
    expect(viaIngest.requests.map((r) => `${r.id}@${r.arrivalUs}`)).toEqual(expected);
    // a gzipped CSV goes through the same door
    const csv = join(dir, 'arrivals.csv.gz');
    writeFileSync(csv, gzipSync('id,arrival_us,input_tokens,output_tokens\na,0,10,5\nb,100,20,6\n'));
    expect((await readTrace(csv, { registry: formatRegistry() })).requests.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('decodes base64 ids in OTLP/JSON (proto3 JSON marshallers, Tempo) to the same requests as hex', async () => {
    const hexText = (await write('b.json')).toString('utf8');
    const line = JSON.parse(hexText.split('\n')[0]!);
    for (const span of line.resourceSpans[0].scopeSpans[0].spans) {
      span.traceId = Buffer.from(span.traceId, 'hex').toString('base64');
      span.spanId = Buffer.from(span.spanId, 'hex').toString('base64');
    }
    const b64 = readOtlpBytes(Buffer.from(`${JSON.stringify(line)}\n`), 'b64.jsonl');
    expect(b64).toEqual(readOtlpBytes(Buffer.from(`${hexText.split('\n')[0]}\n`), 'hex.jsonl'));
  });
});
