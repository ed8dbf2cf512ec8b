/**
 * The `otlp` ingest entry (what `blis replay`/`convert` read OTLP through) decodes OTLP/JSON
 * Lines line by line as chunks arrive, as readOtlpFile streams a large file, instead of holding
 * the whole file until end(): a 250 MB Collector export took 1.36 GB that way.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { otlpFormat } from '../../src/telemetry/otlp-format.node.js';
import { readOtlpBytes } from '../../src/telemetry/otlp-reader.node.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/otlp/${name}`, import.meta.url));

function run(chunks: Uint8Array[], onSkip?: (code: string, at: number | string, pushed: number) => void): { emitted: ArrivalRequest[]; skipped: string[] } {
  const emitted: ArrivalRequest[] = [];
  const skipped: string[] = [];
  let pushed = 0;
  const r = otlpFormat.create({
    source: 'x.jsonl',
    emit: (q) => emitted.push(q),
    skip: (code, at) => { skipped.push(`${code}@${at}`); onSkip?.(code, at, pushed); },
    note: () => {},
  }, {});
  for (const c of chunks) {
    pushed++;
    r.push(c);
  }
  pushed = Infinity;
  r.end();
  return { emitted, skipped };
}

/** `bytes` cut into pieces of `size` bytes (multi-byte characters split too). */
const pieces = (bytes: Uint8Array, size: number): Uint8Array[] => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('the otlp ingest entry on JSON Lines', () => {
  it('reads a line as soon as it is complete: a bad span on line 2 is reported before the file ends', () => {
    const bytes = fixture('vllm-llm_request.bad-spans.jsonl');
    const firstLineEnd = bytes.indexOf(0x0a);
    const secondLineEnd = bytes.indexOf(0x0a, firstLineEnd + 1);
    // three pushes: line 1, line 2 with its newline, then nothing more until end()
    const chunks = [bytes.subarray(0, firstLineEnd + 1), bytes.subarray(firstLineEnd + 1, secondLineEnd + 1), new Uint8Array(0)];
    const seen: [string, number][] = [];
    const { emitted } = run(chunks, (code, _at, pushed) => seen.push([code, pushed]));
    expect(seen[0]).toEqual(['OTLP_BAD_SPAN', 2]);
    expect(emitted.map((q) => q.id)).toEqual(['cmpl-1']);
  });

  it('gives the same requests and skips whatever the chunk size, as the whole-file read does', () => {
    const text = `\ufeff${fixture('vllm-llm_request.jsonl').toString('utf8').replace(/\n/g, '\r\n')}\r\n\r\n`
      .replace('meta-llama/Llama-3.1-8B-Instruct', 'méta-llama/Llama-3.1-8B-Instruct'); // a two-byte character to split
    const bytes = new TextEncoder().encode(text);
    const expected = readOtlpBytes(bytes, 'x.jsonl');
    expect(expected.map((q) => q.model)).toContain('méta-llama/Llama-3.1-8B-Instruct');
    for (const size of [1, 7, 64, 1000, bytes.length]) expect(run(pieces(bytes, size)).emitted, `chunks of ${size}`).toEqual(expected);
    const bad = fixture('vllm-llm_request.bad-spans.jsonl');
    for (const size of [5, bad.length]) expect(run(pieces(bad, size)).skipped).toEqual(['OTLP_BAD_SPAN@2', 'OTLP_MISSING_TOKENS@2']);
  });

  it('still reads a pretty-printed document whole', () => {
    const pretty = fixture('llm-d-gateway.json');
    expect(run(pieces(pretty, 100)).emitted).toEqual(readOtlpBytes(pretty, 'x.json'));
  });

  it('names the line of a JSON line cut short', () => {
    const bytes = fixture('vllm-llm_request.jsonl');
    const cut = bytes.subarray(0, bytes.indexOf(0x0a) + 50);
    expect(() => run(pieces(cut, 16))).toThrow(expect.objectContaining({ code: 'OTLP_BAD_JSON', where: 'x.jsonl:2' }));
  });
});
