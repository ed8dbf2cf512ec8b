/** Output sinks: anything that consumes per-request records (metrics, request files, spans). */
import type { ArrivalRequest } from '../workload/request.js';
import type { RequestRecord } from './record.js';

export interface RecordSink {
  /** `request` is the arrival the record came from (prefix group, turn: what records do not carry). */
  add(record: RequestRecord, request?: ArrivalRequest): void;
}

/** Fan-out over several sinks (like OTel's MultiSpanProcessor). */
export class MultiSink implements RecordSink {
  constructor(private readonly sinks: readonly RecordSink[]) {}
  add(record: RequestRecord, request?: ArrivalRequest): void {
    for (const s of this.sinks) s.add(record, request);
  }
}

/** Keeps every record in memory (tests, validation). */
export class CollectingSink implements RecordSink {
  readonly records: RequestRecord[] = [];
  add(record: RequestRecord): void {
    this.records.push(record);
  }
}
