/**
 * Ingest fuzzing over every format (OTLP included): each format's real sample, mutated — numbers
 * replaced by extreme or wrong values (1e20, 10^12, -5, NaN, 1.5, impossible dates), JSON values
 * of the wrong kind (a number where a string belongs and back), lines dropped, duplicated or
 * garbled, the file cut anywhere. Whatever the input, reading ends in requests or an InputError
 * (never another exception), every request it emits can be simulated (requestProblem), arrivals
 * are sorted non-negative integers, and every row read is accounted for. A directory given as any
 * format is an InputError.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { formatRegistry } from '../../src/cli/ingest-flags.js';
import { createIngestSession } from '../../src/ingest/ingest.js';
import { accountFor } from '../../src/ingest/issues.js';
import { readTrace } from '../../src/ingest/open.node.js';
import type { IngestOptions } from '../../src/ingest/ingest.js';
import { InputError } from '../../src/kernel/errors.js';
import { requestProblem } from '../../src/workload/check-request.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { CALIBRATION, FIXTURES, ROOT, TRACES } from './helpers.js';

const registry = formatRegistry();

interface Sample {
  readonly bytes: Buffer;
  readonly options: IngestOptions;
  /** Binary (protobuf): mutated bytewise only. */
  readonly binary?: boolean;
}

const text = (path: string, options: IngestOptions = {}): Sample => ({ bytes: readFileSync(path), options });

/** One real sample per registry entry (OTLP twice: JSON lines and protobuf). */
const SAMPLES: Record<string, () => Sample> = {
  azure: () => text(`${TRACES}azure2023-code.reconstructed.head300.csv`),
  'azure-vidur': () => text(`${TRACES}azure2023-conv.relative.head300.csv`),
  burstgpt: () => text(`${TRACES}burstgpt1-rows0001-0200.csv`),
  mooncake: () => text(`${TRACES}mooncake-conversation-head300.jsonl`),
  'inference-perf': () => text(`${FIXTURES}inference-perf.per_request_lifecycle_metrics.json`),
  'vllm-bench': () => text(`${FIXTURES}vllm-bench-detailed.json`),
  'calibration-requests': () => {
    // The first 300 rows: a 9,000-row file makes each run slow without adding cases.
    const rows = readFileSync(`${CALIBRATION}20260217-162547-llama-2-7b-tp1-roleplay.requests.csv`, 'utf8').split('\n').slice(0, 301).join('\n');
    return { bytes: Buffer.from(`${rows}\n`), options: {} };
  },
  tracev2: () => text(`${TRACES}tracev2-example.trace_data.csv`, { traceHeader: readFileSync(`${TRACES}tracev2-example.trace_header.yaml`, 'utf8') }),
  'arrival-csv': () => ({ bytes: Buffer.from(generated.csv), options: {} }),
  'arrival-jsonl': () => ({ bytes: Buffer.from(generated.jsonl), options: {} }),
  csv: () => text(`${FIXTURES}mapped-quoted.csv`, { columns: { arrival: 'ts', input: 'prompt_tokens', output: 'completion_tokens', ttft: 'ttft_ms' }, timeUnit: 'ms' }),
  jsonl: () => text(`${FIXTURES}mapped-gateway.jsonl`, {
    columns: { arrival: 'timestamp', input: 'usage.prompt_tokens', output: 'usage.completion_tokens', id: 'request_id', session: 'user', model: 'model', ttft: 'latency_s.ttft', e2e: 'latency_s.e2e' },
    timeUnit: 'iso',
  }),
  otlp: () => text(`${ROOT}test/fixtures/otlp/vllm-llm_request.jsonl`),
};

const generated: { csv: string; jsonl: string; pb: Buffer } = { csv: '', jsonl: '', pb: Buffer.alloc(0) };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blis-fuzz-'));
  for (const out of ['a.csv', 'a.jsonl', 'a.pb']) {
    const r = out === 'a.pb'
      ? await runCli(['run', '--workload', 'chatbot', '--num-requests', '40', '--otlp-out', out, '--quiet'], dir)
      : await runCli(['convert', `${TRACES}tracev2-example.trace_header.yaml`, '--to', out, '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
  }
  generated.csv = readFileSync(join(dir, 'a.csv'), 'utf8');
  generated.jsonl = readFileSync(join(dir, 'a.jsonl'), 'utf8');
  generated.pb = readFileSync(join(dir, 'a.pb'));
});

/** Values a damaged log holds where a number belongs. */
const NASTY = ['1e20', '1000000000000', '-5', '-0', 'NaN', '1.5', '1e308', '', 'x', '"7"', '2023-02-30 10:00:00', '2023-13-45 25:61:99', '9007199254740993', '-1e20'];

type Mutation =
  | { kind: 'number'; nth: number; value: string }
  | { kind: 'kind-swap'; nth: number }
  | { kind: 'drop-line' | 'dup-line' | 'garble-line'; nth: number }
  | { kind: 'truncate'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('number' as const), nth: fc.nat(400), value: fc.constantFrom(...NASTY) }),
  fc.record({ kind: fc.constant('kind-swap' as const), nth: fc.nat(400) }),
  fc.record({ kind: fc.constantFrom('drop-line' as const, 'dup-line' as const, 'garble-line' as const), nth: fc.nat(400) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

/** Applies a mutation to text (numbers, JSON value kinds, lines, a cut). */
function mutateText(s: string, m: Mutation): string {
  if (m.kind === 'truncate') return s.slice(0, Math.floor(s.length * m.at));
  if (m.kind === 'number' || m.kind === 'kind-swap') {
    // number ↔ string: `"k": 12` becomes `"k": "12"`, `"k": "12"` becomes `"k": 12` (OTLP's 64-bit ints are strings)
    const re = m.kind === 'number' ? /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g : /("\s*:\s*)("?)(-?\d+(?:\.\d+)?)("?)/g;
    const hits = [...s.matchAll(re)];
    if (hits.length === 0) return s;
    const h = hits[m.nth % hits.length]!;
    const replacement = m.kind === 'number' ? m.value : `${h[1]}${h[2] === '"' ? '' : '"'}${h[3]}${h[4] === '"' ? '' : '"'}`;
    return s.slice(0, h.index) + replacement + s.slice(h.index! + h[0].length);
  }
  const lines = s.split('\n');
  const k = m.nth % lines.length;
  if (m.kind === 'drop-line') lines.splice(k, 1);
  else if (m.kind === 'dup-line') lines.splice(k, 0, lines[k]!);
  else lines[k] = lines[k]!.split('').reverse().join('');
  return lines.join('\n');
}

function mutateBytes(b: Buffer, m: Mutation): Buffer {
  if (m.kind === 'truncate') return b.subarray(0, Math.floor(b.length * m.at));
  const out = Buffer.from(b);
  const at = ('nth' in m ? m.nth * 7919 : 0) % Math.max(1, out.length);
  out[at] = (out[at]! + 1 + ('nth' in m ? m.nth : 0)) & 0xff;
  return out;
}

/** Reads bytes as `format` in two chunks (a cut anywhere) the way openTrace streams a file. */
function read(format: string, bytes: Buffer, options: IngestOptions, cut: number): { requests: ArrivalRequest[]; accounting: ReturnType<typeof accountFor> } | InputError {
  const requests: ArrivalRequest[] = [];
  try {
    const session = createIngestSession(registry.get(format), 'fuzzed', options, (r) => requests.push(r));
    const at = Math.floor(bytes.length * cut);
    session.push(bytes.subarray(0, at));
    session.push(bytes.subarray(at));
    session.end();
    return { requests, accounting: accountFor(session.summary()) };
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

function checkOutcome(out: ReturnType<typeof read>): void {
  if (out instanceof InputError) {
    expect(out.code).toMatch(/^[A-Z0-9_]+$/);
    return;
  }
  let last = 0;
  for (const r of out.requests) {
    expect(requestProblem(r), JSON.stringify(r)).toBeNull();
    expect(r.arrivalUs).toBeGreaterThanOrEqual(last);
    last = r.arrivalUs;
  }
  expect(out.accounting.emitted).toBe(out.requests.length);
  expect(out.accounting.balanced, JSON.stringify(out.accounting)).toBe(true);
}

describe('ingest fuzzing: every format, mutated samples', () => {
  it('every registry entry has a sample here', () => {
    for (const name of registry.names()) expect(SAMPLES[name], name).toBeDefined();
  });

  for (const [format, sample] of Object.entries(SAMPLES)) {
    it(`${format}: requests or an InputError, every emitted request simulable, every row accounted for`, () => {
      const s = sample();
      fc.assert(fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (ms, cut, strict) => {
        let text = s.bytes.toString('utf8');
        for (const m of ms) text = mutateText(text, m);
        checkOutcome(read(format, Buffer.from(text), { ...s.options, strict }, cut));
      }), { numRuns: 60 });
    });
  }

  it('otlp protobuf: flipped bytes and cuts give requests or an InputError', () => {
    fc.assert(fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), (ms, cut) => {
      let b: Buffer = generated.pb;
      for (const m of ms) b = mutateBytes(b, m);
      checkOutcome(read('otlp', b, {}, cut));
    }), { numRuns: 60 });
  });

  it('a directory given as any format is an InputError naming it', async () => {
    for (const format of registry.names()) {
      await expect(readTrace(ROOT, { format, registry, ...(format === 'csv' || format === 'jsonl' ? { columns: { arrival: 'a', input: 'b', output: 'c' } } : {}) }), format)
        .rejects.toMatchObject({ code: 'FILE_IS_DIRECTORY' });
    }
  });
});
