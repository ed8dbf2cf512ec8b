import { describe, expect, it } from 'vitest';
import { ingestText } from '../../src/ingest/ingest.js';
import { mappedCsvFormat } from '../../src/ingest/formats/mapped-csv.js';
import { RecentMap } from '../../src/ingest/recent.js';

describe('repeated request ids in a long log', () => {
  it('streams 1.6 million rows with ids from the data in seconds, and still reports a late repeat', () => {
    const rows = 1_600_000;
    const lines = ['ts,id,in,out'];
    for (let i = 0; i < rows; i++) lines.push(`${i},req-${i},10,5`);
    lines.push(`${rows},req-${rows - 100},10,5`);
    const started = Date.now();
    const { requests, summary } = ingestText(mappedCsvFormat, 'log.csv', `${lines.join('\n')}\n`, {
      columns: { arrival: 'ts', input: 'in', output: 'out', id: 'id' }, timeUnit: 'ms',
    });
    // One Map forgetting its oldest id took over a minute here (V8 walks the deleted slots).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(requests).toHaveLength(rows + 1);
    expect(summary.warnings.join('\n')).toContain(`id 'req-${rows - 100}' at log.csv:${rows + 2} (first at log.csv:${rows - 98})`);
  }, 120_000);

  it('remembers at least the latest half of its limit, and no more than the limit', () => {
    const m = new RecentMap<number>(8);
    for (let i = 0; i < 100; i++) m.set(`k${i}`, i);
    expect(m.size).toBeLessThanOrEqual(8);
    for (let i = 96; i < 100; i++) expect(m.get(`k${i}`)).toBe(i);
    expect(m.get('k0')).toBeUndefined();
    m.delete('k99');
    expect(m.get('k99')).toBeUndefined();
  });
});
