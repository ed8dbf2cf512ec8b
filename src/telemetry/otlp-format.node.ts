/**
 * The `otlp` ingest registry entry (src/ingest/types.ts FormatEntry), what `blis replay` and
 * `blis convert` read OTLP through: bytes in, requests sorted by arrival out at end().
 *
 * OTLP/JSON Lines (the Collector file exporter's form, and what blis writes) is decoded line by
 * line as chunks arrive, keeping only the attributes each request needs, as readOtlpFile streams
 * a large file: holding the whole text until end() took 5.5 times the file's size (a 250 MB
 * export of 300,000 vLLM spans: 1.36 GB against 0.54 GB streamed). A file whose first line is not
 * a JSON document (pretty-printed JSON, a backend's answer) and protobuf are read whole.
 */
import type { FormatEntry, ReaderContext, SniffInput, TraceReader } from '../ingest/types.js';
import { createLineSplitter } from '../ingest/lines.js';
import { InputError } from '../kernel/errors.js';
import { addJson, finish, firstNonSpace, otlpSniff, readOtlpBytes } from './otlp-reader.node.js';
import { OtlpRequestCollector } from './otlp-reader.js';

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return all;
}

function createOtlpReader(ctx: ReaderContext): TraceReader {
  const collector = new OtlpRequestCollector((i) => ctx.skip(i.code, i.at, i.message));
  const enc = new TextEncoder();
  // 'undecided' until the first line is complete: JSON Lines when it parses on its own.
  let mode: 'undecided' | 'lines' | 'whole' = 'undecided';
  let raw: Uint8Array[] = []; // the bytes so far, while undecided and in 'whole' mode
  const lines = createLineSplitter((text, line) => {
    const trimmed = text.trim();
    if (trimmed === '') return;
    let v: unknown;
    try {
      v = JSON.parse(trimmed);
    } catch (err) {
      throw new InputError('OTLP_BAD_JSON', `${ctx.source}:${line}`, `bad JSON line: ${(err as Error).message}`);
    }
    addJson(v, `${ctx.source}:${line}`, collector, line);
  });
  // While undecided, the text so far (decoded as it comes; a UTF-8 BOM stripped, as readOtlpBytes does).
  const decoder = new TextDecoder();
  let pending = '';
  let json = false; // the first non-blank byte is '{'
  let searchedTo = 0; // pending holds no newline before this, past the first non-blank character
  /** While undecided: JSON Lines once the first non-blank line is complete and parses alone. */
  const decide = (): void => {
    const start = pending.search(/\S/);
    if (start < 0) return;
    const nl = pending.indexOf('\n', Math.max(start, searchedTo));
    if (nl < 0) {
      searchedTo = pending.length;
      return; // the first line is not complete yet
    }
    try {
      JSON.parse(pending.slice(start, nl).trim());
    } catch {
      mode = 'whole'; // a pretty-printed document or a backend's answer
      pending = '';
      return;
    }
    mode = 'lines';
    pending = '';
    for (const b of raw) lines.push(b);
    raw = [];
  };

  return {
    push(chunk: string | Uint8Array): void {
      const bytes = typeof chunk === 'string' ? enc.encode(chunk) : chunk;
      if (mode === 'lines') return lines.push(bytes);
      raw.push(bytes);
      if (mode === 'whole') return;
      if (!json) {
        const first = firstNonSpace(concat(raw));
        if (first === -1) return; // blank so far
        if (first !== 0x7b /* { */) {
          mode = 'whole'; // protobuf (or gzip, which readOtlpBytes undoes)
          return;
        }
        json = true;
        for (const b of raw) pending += decoder.decode(b, { stream: true });
      } else {
        pending += decoder.decode(bytes, { stream: true });
      }
      decide();
    },
    end(): void {
      if (mode === 'lines') {
        lines.end();
        for (const r of finish(collector, ctx.source)) ctx.emit(r);
        return;
      }
      for (const r of readOtlpBytes(concat(raw), ctx.source, (i) => ctx.skip(i.code, i.at, i.message))) ctx.emit(r);
    },
  };
}

export const otlpFormat: FormatEntry = {
  name: 'otlp',
  describe: 'OpenTelemetry spans (OTLP protobuf .pb, OTLP/JSON Lines, Jaeger or Tempo JSON answers): vLLM llm_request, blis, llm-d gateway.request',
  timeBase: 'relative',
  order: 'completion',
  sniff(input: SniffInput): number {
    const head = new Uint8Array(input.head.length);
    for (let i = 0; i < head.length; i++) head[i] = input.head.charCodeAt(i) & 0xff;
    return otlpSniff(head, input.fileName);
  },
  create: createOtlpReader,
};
