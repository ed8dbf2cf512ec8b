import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { readOtlpBytes } from '../../src/telemetry/otlp-reader.node.js';
import { formatTraceSummary, openTraceSink } from '../../src/telemetry/sinks.node.js';
import { parseTraceEpoch } from '../../src/telemetry/time.js';
import { resolveOtlpExport } from '../../src/telemetry/otlp-config.js';
import { completed } from './records.js';

let server: Server | undefined;
afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('openTraceSink (what the CLI calls)', () => {
  it('is undefined without a target', async () => {
    expect(await openTraceSink({}, resolveTelemetry())).toBeUndefined();
  });

  it('fans out to a file and an endpoint, applies sampling once, and summarises each', async () => {
    let posts = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts++;
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = join(mkdtempSync(join(tmpdir(), 'blis-sinks-')), 'run.json');
    const t = resolveTelemetry({ seed: 5, traceSample: 0.5, batchTraces: 16 });
    const sink = (await openTraceSink({ otlpOut: file, endpoint: resolveOtlpExport({ endpoint: url }) }, t))!;
    for (let i = 0; i < 100; i++) {
      sink.add(completed(i));
      await sink.drain();
    }
    const summaries = await sink.close();
    expect(summaries.length).toBe(2);
    const [f, h] = summaries;
    expect(f!.traces).toBe(h!.traces);
    expect(f!.traces + f!.sampledOutTraces).toBe(100);
    expect(h!.spans).toBe(f!.spans);
    expect(posts).toBe(h!.messages);
    expect(readOtlpBytes(readFileSync(file), file).length).toBe(f!.traces);
    expect(formatTraceSummary(f!)).toMatch(new RegExp(`^otlp ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${f!.traces} traces, ${f!.spans} spans in \\d+ messages \\(\\d+ bytes\\), ${f!.sampledOutTraces} sampled out$`));
  });

  it('rejects unknown extensions and bad flags with InputError', async () => {
    await expect(openTraceSink({ otlpOut: 'x.txt' }, resolveTelemetry())).rejects.toThrowError(expect.objectContaining({ code: 'FLAG_BAD_VALUE', where: '--otlp-out' }));
    expect(() => resolveTelemetry({ traceSample: 1.5 })).toThrowError(expect.objectContaining({ code: 'FLAG_OUT_OF_RANGE', where: '--trace-sample' }));
    expect(() => resolveTelemetry({ traceSlowest: -1 })).toThrowError(expect.objectContaining({ where: '--trace-slowest' }));
    expect(() => parseTraceEpoch('yesterday')).toThrowError(expect.objectContaining({ code: 'FLAG_BAD_VALUE', where: '--trace-epoch' }));
  });

  it('parses --trace-epoch as an ISO date or integer nanoseconds', () => {
    expect(parseTraceEpoch(undefined)).toBe(1767225600000000000n);
    expect(parseTraceEpoch('2026-01-01T00:00:00Z')).toBe(1767225600000000000n);
    expect(parseTraceEpoch('1767225600000000123')).toBe(1767225600000000123n);
  });

  it('reads an --trace-epoch date-time without a zone as UTC, whatever the machine\'s time zone', () => {
    const tz = process.env['TZ'];
    try {
      // Node re-reads TZ when it is assigned; Date.parse alone would read these as New York time (5 h later).
      process.env['TZ'] = 'America/New_York';
      expect(parseTraceEpoch('2026-01-01T00:00:00')).toBe(1767225600000000000n);
      expect(parseTraceEpoch('2026-01-01 00:00')).toBe(1767225600000000000n);
      expect(parseTraceEpoch('2026-01-01T00:00:00.5')).toBe(1767225600500000000n);
      expect(parseTraceEpoch('2026-01-01T01:00:00+01:00')).toBe(1767225600000000000n);
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
  });
});
