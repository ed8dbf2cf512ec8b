/**
 * The per-request rows `--requests-out` writes (src/cluster/record-format.ts), against rows worked
 * by hand: the derived latencies, which columns are empty and why, CSV quoting (read back with
 * csv-parse, the reader the ingest side uses) and the JSONL form.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { RECORD_COLUMNS, csvHeader, recordCsvLine, recordJsonLine, recordRow } from '../../src/cluster/record-format.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'r1', index: 0, arrivalUs: 1_000, inputTokens: 100, outputTokens: 4, status: 'completed', admission: 'admitted',
    admittedUs: 1_000, routedUs: 1_000, instance: 2, pool: 'default', enqueuedUs: 1_200, firstScheduledUs: 1_500,
    firstTokenUs: 21_000, finishedUs: 31_000, cachedTokens: 32, preemptions: 1, producedTokens: 4,
    ...over,
  } as RequestRecord;
}

describe('request rows', () => {
  it('a completed request: queue, TTFT and E2E from its arrival, TPOT over the gaps after the first token (3 decimals)', () => {
    const row = recordRow(record());
    expect(row).toMatchObject({ queue_us: 500, ttft_us: 20_000, e2e_us: 30_000, tpot_us: 3333.333, stage: null, reason: null, session_id: null, slo_class: null, priority: null, model: null });
    expect(recordCsvLine(record())).toBe('r1,1000,,completed,,2,100,4,4,32,1,1200,1500,21000,31000,500,20000,30000,3333.333,,,,,,,,,,,,,0\n');
    expect(recordJsonLine(record({ routingScores: { 'queue-depth': 0.5 } }))).toBe(
      '{"id":"r1","arrival_us":1000,"status":"completed","instance":2,"input_tokens":100,"output_tokens":4,"produced_tokens":4,"cached_tokens":32,"preemptions":1,"enqueued_us":1200,"first_scheduled_us":1500,"first_token_us":21000,"finished_us":31000,"queue_us":500,"ttft_us":20000,"e2e_us":30000,"tpot_us":3333.333,"index":0,"routing_scores":{"queue-depth":0.5}}\n',
    );
  });

  it('the optional columns come through when set, priority 0 included', () => {
    const row = recordRow(record({ stage: 0, sessionId: 's9', sloClass: 'gold', priority: 0, model: 'm', reason: 'x' }));
    expect(row).toMatchObject({ stage: 0, session_id: 's9', slo_class: 'gold', priority: 0, model: 'm', reason: 'x' });
    expect(JSON.parse(recordJsonLine(record({ stage: 0, priority: 0 })))).toMatchObject({ stage: 0, priority: 0 });
  });

  it('given the request as it arrived, carries its arrival facts under the arrival stream\'s names: turn, tenant, the prefix (outermost parent), hash ids, and its arrival index', () => {
    const req: ArrivalRequest = {
      id: 'r1', arrivalUs: 1_000, inputTokens: 100, outputTokens: 4, turn: 3, tenant: 'app',
      prefix: { group: 'session:s9', tokens: 90, parent: { group: 'mid', tokens: 60, parent: { group: 'sys', tokens: 40 } } },
      hashIds: { ids: [7, 8, 9], blockTokens: 32 },
    };
    const r = record({ index: 17, tenant: 'app' });
    expect(recordRow(r, req)).toMatchObject({
      turn: 3, tenant: 'app', prefix_group: 'session:s9', prefix_tokens: 90, prefix_parent_group: 'sys', prefix_parent_tokens: 40,
      hash_ids: [7, 8, 9], hash_block_tokens: 32, index: 17,
    });
    expect(recordCsvLine(r, req).endsWith(',,,,3,app,session:s9,90,sys,40,7 8 9,32,17\n')).toBe(true);
    expect(JSON.parse(recordJsonLine(r, req))).toMatchObject({ turn: 3, tenant: 'app', prefix_group: 'session:s9', hash_ids: [7, 8, 9], index: 17 });
    // Without the request: the arrival columns are empty, the index is the record's.
    expect(recordRow(r)).toMatchObject({ turn: null, tenant: 'app', prefix_group: null, hash_ids: null, index: 17 });
  });

  it('a request that produced one token has no TPOT; one that did not finish has no E2E or TPOT', () => {
    expect(recordRow(record({ producedTokens: 1, outputTokens: 1 })).tpot_us).toBeNull();
    expect(recordRow(record({ producedTokens: 2 })).tpot_us).toBe(10_000);
    const timedOut = recordRow(record({ status: 'timed_out', reason: 'client-timeout', finishedUs: -1, producedTokens: 2 }));
    expect(timedOut).toMatchObject({ ttft_us: 20_000, e2e_us: null, tpot_us: null, reason: 'client-timeout' });
  });

  it('a request never scheduled has no queue or TTFT; time 0 is a time (only -1 means none)', () => {
    const rejected = recordRow(record({ status: 'rejected', reason: 'unknown-model', instance: -1, enqueuedUs: -1, firstScheduledUs: -1, firstTokenUs: -1, finishedUs: -1, producedTokens: 0 }));
    expect(rejected).toMatchObject({ queue_us: null, ttft_us: null, e2e_us: null, tpot_us: null, instance: -1 });
    const atZero = recordRow(record({ arrivalUs: 0, enqueuedUs: 0, firstScheduledUs: 0, firstTokenUs: 0, finishedUs: 0, producedTokens: 1 }));
    expect(atZero).toMatchObject({ queue_us: 0, ttft_us: 0, e2e_us: 0 });
    // Empty CSV fields, absent JSON keys.
    expect(recordCsvLine(record({ status: 'rejected', firstScheduledUs: -1, firstTokenUs: -1, finishedUs: -1 })).split(',').slice(15, 19)).toEqual(['', '', '', '']);
    expect(Object.keys(JSON.parse(recordJsonLine(record({ status: 'rejected', firstScheduledUs: -1, firstTokenUs: -1, finishedUs: -1 }))))).not.toContain('queue_us');
  });

  it('the header names every column once, in the row order', () => {
    expect(csvHeader()).toBe(`${RECORD_COLUMNS.join(',')}\n`);
    expect(new Set(RECORD_COLUMNS).size).toBe(RECORD_COLUMNS.length);
    expect(Object.keys(recordRow(record()))).toEqual([...RECORD_COLUMNS]);
  });

  it('CSV fields with commas, quotes or line breaks are quoted and read back whole', () => {
    expect(recordCsvLine(record({ id: 'a,b' })).startsWith('"a,b",1000,')).toBe(true);
    expect(recordCsvLine(record({ id: 'say "hi"' })).startsWith('"say ""hi""",1000,')).toBe(true);
    const text = (n: number) => fc.array(fc.constantFrom('a', 'Z', '1', ',', '"', '\n', '\r', ' ', ';', 'é'), { maxLength: n }).map((cs) => cs.join(''));
    fc.assert(fc.property(text(12), text(8), fc.option(text(8), { nil: undefined }), (id, model, session) => {
      const r = record({ id, model, ...(session !== undefined ? { sessionId: session } : {}) });
      const rows = parse(csvHeader() + recordCsvLine(r), { columns: true, relax_column_count: false }) as Record<string, string>[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!['id']).toBe(id);
      expect(rows[0]!['model']).toBe(model);
      expect(rows[0]!['session_id']).toBe(session ?? '');
      expect(rows[0]!['tpot_us']).toBe('3333.333');
      expect(Object.keys(rows[0]!)).toEqual([...RECORD_COLUMNS]);
    }));
  });
});
