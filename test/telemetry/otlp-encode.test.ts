import { describe, expect, it } from 'vitest';
import { TracesEncoder } from '../../src/telemetry/otlp-encode.js';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { SpanBatcher } from '../../src/telemetry/sink.js';
import type { TracesData } from '../../src/telemetry/otlp-types.js';
import { completed, disaggregated, rejected, withDetail } from './records.js';

describe('direct encoder', () => {
  it('writes the same bytes as the official schema’s reflected encoder', () => {
    const t = resolveTelemetry({ seed: 9, traceTokenEvery: 16, batchTraces: 1000, config: { model: 'm', tp: 2, ratio: 0.5, on: true } });
    const batches: TracesData[] = [];
    const b = new SpanBatcher(t, (batch) => batches.push(batch));
    for (let i = 0; i < 200; i++) b.add([completed, withDetail, rejected, disaggregated][i % 4]!(i));
    b.flush();
    const { TracesData: T } = loadOtlpSchema();
    const direct = new TracesEncoder().encode(batches[0]!);
    const reflected = T.encode(batches[0] as unknown as Record<string, unknown>).finish();
    expect(Buffer.compare(Buffer.from(direct), Buffer.from(reflected))).toBe(0);
    const opts = { longs: String, bytes: String, enums: Number };
    expect(T.toObject(T.decode(direct), opts)).toEqual(T.toObject(T.decode(reflected), opts));
  });
});
