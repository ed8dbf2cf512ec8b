import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { ingestText } from '../../src/ingest/ingest.js';
import { describeSummary } from '../../src/ingest/issues.js';
import { readTrace } from '../../src/ingest/open.node.js';
import { BUILTIN_FORMATS, createFormatRegistry } from '../../src/ingest/registry.js';
import { WriterRegistry } from '../../src/ingest/writers/registry.js';
import { FIXTURES, TRACES } from './helpers.js';

/** One sample per built-in format; every registry entry must appear here or state why not. */
const SAMPLES: Record<string, string> = {
  azure: `${TRACES}azure2023-code.reconstructed.head300.csv`,
  'azure-vidur': `${TRACES}azure2023-conv.relative.head300.csv`,
  burstgpt: `${TRACES}burstgpt3-rows0001-0100.csv`,
  mooncake: `${TRACES}mooncake-conversation-head300.jsonl`,
  'inference-perf': `${FIXTURES}inference-perf.per_request_lifecycle_metrics.json`,
  'vllm-bench': `${FIXTURES}vllm-bench-detailed.json`,
  'calibration-requests': `${new URL('../../baselines/calibration-experiments/', import.meta.url).pathname}20260217-162547-llama-2-7b-tp1-roleplay.requests.csv`,
  tracev2: `${TRACES}tracev2-example.trace_data.csv`,
};
/** Formats exercised elsewhere, with the reason they are not in this loop. */
const ELSEWHERE: Record<string, string> = {
  'arrival-csv': 'it is a writer output: covered by roundtrip.property.test.ts',
  'arrival-jsonl': 'it is a writer output: covered by roundtrip.property.test.ts',
  csv: 'never sniffed (needs --columns): covered by formats.errors.test.ts',
  jsonl: 'never sniffed (needs --columns): covered by mapped-jsonl.test.ts and fuzz.property.test.ts',
};


const registry = createFormatRegistry();
const writers = new WriterRegistry();

describe('ingest format conformance (every registry entry)', () => {
  test('every built-in format has a sample or a stated reason', () => {
    for (const e of BUILTIN_FORMATS) expect(SAMPLES[e.name] ?? ELSEWHERE[e.name], e.name).toBeDefined();
  });

  describe.each(Object.entries(SAMPLES))('%s', (name, path) => {
    test('its sample is sniffed as this format, and only this format is confident', () => {
      const head = readFileSync(path, 'utf8').slice(0, 65536);
      const all = registry.sniffAll({ head, fileName: basename(path) });
      expect(all[0]!.name).toBe(name);
      expect(all.filter((r) => r.confidence >= 0.5).map((r) => r.name)).toEqual([name]);
    });

    test('reading is deterministic, sorted and non-negative', async () => {
      const a = await readTrace(path);
      const b = await readTrace(path);
      expect(a.requests).toEqual(b.requests);
      expect(a.requests.length).toBeGreaterThan(0);
      const arr = a.requests.map((r) => r.arrivalUs);
      expect(arr).toEqual([...arr].sort((x, y) => x - y));
      for (const r of a.requests) {
        expect(Number.isInteger(r.arrivalUs) && r.arrivalUs >= 0).toBe(true);
        expect(Number.isInteger(r.inputTokens) && Number.isInteger(r.outputTokens)).toBe(true);
      }
      expect(describeSummary(a.summary)[0]).toBe(`${a.summary.emitted} requests from ${a.summary.rows} rows`);
    });

    test('it round-trips through the arrival CSV', async () => {
      const { requests } = await readTrace(path);
      let data = '';
      const w = writers.get('arrival-csv').create({ data: (c) => { data += c; } }, {});
      requests.forEach((r: ArrivalRequest) => w.write(r));
      w.end();
      expect(ingestText(registry.get('arrival-csv'), 'x.csv', data).requests).toEqual(requests);
    });
  });
});
