import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareToDocument, readPrediction, readTruth } from '../../src/validate/compare-files.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/validate/${name}`, import.meta.url), 'utf8');

describe('blis compare inputs', () => {
  it('experiment truth with its CSV vs per-request records CSV: identical data scores 0%', () => {
    const truth = readTruth('small.json', fx('small.json'), { requestsText: fx('small.requests.csv') });
    expect(truth.kind).toBe('experiment');
    // the calibration CSV is also a valid per-request prediction file
    const pred = readPrediction('run.requests.csv', fx('small.requests.csv'));
    const doc = compareToDocument(pred, truth);
    expect(doc.schema).toBe('blis.validation/v1');
    const s = doc.experiments[0]!.stages.find((x) => x.index === 'summary')!;
    expect(s.metrics['ttft_mean']!.error_pct).toBe(0);
    expect(s.metrics['e2e_p99']!.error_pct).toBe(0);
    expect(doc.summary['ttft_mean']!.n).toBe(1);
  });

  it('a metrics JSON prediction against a per-request CSV truth', () => {
    const truth = readTruth('small.requests.csv', fx('small.requests.csv'));
    const pred = readPrediction('m.json', JSON.stringify({ schema: 'blis.metrics/v1', requests: { injected: 60, completed: 60 }, ttft_ms: { mean: 100 } }));
    const doc = compareToDocument(pred, truth, { id: 'x' });
    const s = doc.experiments[0]!.stages.find((x) => x.index === 'summary')!;
    expect(s.metrics['ttft_mean']!.predicted).toBe(100);
    expect(s.metrics['ttft_mean']!.actual).toBeCloseTo(33.929759, 5);
    expect(doc.experiments[0]!.stages.map((x) => x.index)).toEqual([0, 1, 'summary']);
  });

  it('lifecycle JSON truth is recognised by its array shape', () => {
    const t = readTruth('per_request_lifecycle_metrics.json', JSON.stringify([{ start_time: 1, end_time: 2, info: { output_token_times: [1.1, 2] }, error: null }]));
    expect(t.kind).toBe('rows');
  });

  it('a JSON prediction that is not blis.metrics/v1 is an error naming the field', () => {
    expect(() => readPrediction('x.json', '{"schema":"other"}')).toThrow(/x\.json: schema/);
  });
});
