/**
 * The terminal summary of `blis validate` says when a run's predicted requests did not all
 * finish: its latency figures then cover only the finished ones, which a table of MAPEs hides.
 */
import { describe, expect, it } from 'vitest';
import { renderSummaryText } from '../../src/validate/report-text.js';
import { buildValidationDocument, type ValidationExperiment } from '../../src/validate/validation.js';

function experiment(id: string, requests: ValidationExperiment['stages'][number]['requests']): ValidationExperiment {
  return { id, file: `${id}.json`, status: 'ok', stages: [{ index: 'summary', metrics: {}, ...(requests ? { requests } : {}) }] };
}

describe('renderSummaryText', () => {
  it('names each run with unfinished predicted requests, beside the measured count when the file has one', () => {
    const doc = buildValidationDocument([
      experiment('served', { predicted: { ok: 4800, failed: 0 }, actual: { ok: 4800, failed: 0 } }),
      experiment('overloaded', { predicted: { ok: 736, failed: 4064 }, actual: { ok: 732, failed: 4068 } }),
      experiment('sparse', { predicted: { ok: 2609, failed: 4591 } }),
    ], { passed: true, gated: false, failures: [] });
    const lines = renderSummaryText(doc).split('\n').filter((l) => l.startsWith('unfinished'));
    expect(lines).toEqual([
      'unfinished: overloaded: 4,064 of 4,800 predicted requests failed or timed out (measured 4,068 of 4,800); its latency figures cover the 736 that finished',
      'unfinished: sparse: 4,591 of 7,200 predicted requests failed or timed out (the measured count is not in the file); its latency figures cover the 2,609 that finished',
    ]);
  });
});
