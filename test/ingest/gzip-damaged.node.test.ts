import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { formatRegistry } from '../../src/cli/ingest-flags.js';
import { InputError } from '../../src/kernel/errors.js';
import { readOtlpFile } from '../../src/telemetry/otlp-reader.node.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * An arrival CSV well past the 64 KiB sniffed head once decompressed, with varied digits so it
 * does not compress to almost nothing: a copy cut short (an interrupted download or `head -c`)
 * then fails while streaming, after the head was read and the format chosen.
 */
function bigCsv(rows: number): string {
  const lines = ['id,arrival_us,input_tokens,output_tokens'];
  let x = 12345;
  for (let i = 0; i < rows; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    lines.push(`r${i},${i * 1000 + (x % 997)},${1 + (x % 8191)},${1 + (x % 509)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('damaged gzip input', () => {
  const gz = gzipSync(bigCsv(40_000));

  it('reads the whole file when it is intact (the control)', async () => {
    const path = join(dir, 'whole.csv.gz');
    writeFileSync(path, gz);
    expect((await readTrace(path)).requests).toHaveLength(40_000);
  });

  it('refuses a gzip file cut short after its head as GZIP_CORRUPT naming the file, not an internal error', async () => {
    const path = join(dir, 'cut.csv.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const err = await readTrace(path).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'GZIP_CORRUPT', where: path });
    expect((err as Error).message).toMatch(/truncated|unexpected end/);
  });

  it('refuses a gzip file whose checksum does not match as GZIP_CORRUPT', async () => {
    const path = join(dir, 'crc.csv.gz');
    const bad = Buffer.from(gz);
    bad[bad.length - 6] = bad[bad.length - 6]! ^ 0xff; // inside the CRC32 trailer (RFC 1952 §2.3)
    writeFileSync(path, bad);
    await expect(readTrace(path)).rejects.toMatchObject({ code: 'GZIP_CORRUPT', where: path });
  });

  it('refuses a gzipped OTLP file cut short the same way', async () => {
    const line = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 2000 }, (_, i) => ({
      traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), name: 'llm_request', kind: 2,
      startTimeUnixNano: String(1_751_360_400_000_000_000n + BigInt(i) * 7_919_000n), endTimeUnixNano: String(1_751_360_401_000_000_000n + BigInt(i) * 7_919_000n),
      attributes: [{ key: 'gen_ai.usage.prompt_tokens', value: { intValue: String(100 + (i * 37) % 900) } }, { key: 'gen_ai.usage.completion_tokens', value: { intValue: String(1 + (i * 13) % 300) } }],
    })) }] }] });
    const whole = gzipSync(`${line}\n`);
    const path = join(dir, 'cut.json.gz');
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length * 0.8)));
    await expect(readTrace(path, { registry: formatRegistry() })).rejects.toMatchObject({ code: 'GZIP_CORRUPT', where: path });
    // the library's streaming OTLP reader (files past streamAboveBytes) says the same as its whole-file read
    const streamed = async (): Promise<number> => {
      let n = 0;
      for await (const _ of readOtlpFile(path, { streamAboveBytes: 0 })) n++;
      return n;
    };
    await expect(streamed()).rejects.toMatchObject({ code: 'OTLP_TRUNCATED', where: path });
    await expect(async () => { for await (const _ of readOtlpFile(path)) void _; }).rejects.toMatchObject({ code: 'OTLP_TRUNCATED', where: path });
  });
});
