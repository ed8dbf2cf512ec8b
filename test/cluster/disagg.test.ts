import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { kvBytesPerBlock } from '../../src/model/kv-sizing.js';
import { arrival, run } from './helpers.js';

const QWEN = getModel('qwen/qwen3-14b');

describe('P/D disaggregation (hand-computed)', () => {
  it('prefill emits the first token, the KV moves over the link, decode finishes the request', async () => {
    // Step = 1000 + 10·tokens us. Prefill of 160 tokens: 2600 us → first token at 2600. Transfer of
    // 10 blocks at 1 GB/s (1000 B/us) plus 1 ms latency; then 2 decode steps of 1010 us.
    const bytes = 10 * kvBytesPerBlock(QWEN, 1, 16);
    const { records, cluster } = await run({
      prefillInstances: 1, decodeInstances: 1, pdTransferBandwidthGBs: 1, pdTransferLatencyMs: 1,
    }, [arrival('a', 0, 160, 3)]);
    const r = records.get('a')!;
    const drained = 2600 + Math.ceil(bytes / 1000);
    expect(r.status).toBe('completed');
    expect([r.instance, r.pool, r.firstTokenUs]).toEqual([0, 'prefill', 2600]);
    expect(r.disagg).toEqual({
      prefillInstance: 0, decodeInstance: 1, decodePool: 'decode', decodeRoutedUs: 2600,
      transferStartUs: 2600, transferEndUs: drained + 1000, transferBytes: bytes, decodeEnqueuedUs: drained + 1000,
    });
    expect(r.finishedUs).toBe(drained + 1000 + 2 * 1010);
    expect(r.producedTokens).toBe(3);
    expect(cluster.instances[0]!.kvUsedBlocks).toBe(0);
    expect(cluster.instances[1]!.kvUsedBlocks).toBe(0);
  });

  it('a decode instance without free blocks makes the transfer wait (prefill keeps its blocks) until blocks free', async () => {
    // Decode pool has 12 blocks: a's reservation (10) and its decode growth leave too few for b.
    const { records, cluster } = await run({
      pools: [{ name: 'prefill', role: 'prefill', count: 1 }, { name: 'decode', role: 'decode', count: 1, totalKvBlocks: 12 }],
      pdTransferBandwidthGBs: 100, pdTransferLatencyMs: 0,
    }, [arrival('a', 0, 160, 3), arrival('b', 0, 160, 3)]);
    const a = records.get('a')!;
    const b = records.get('b')!;
    expect(a.status).toBe('completed');
    expect(b.status).toBe('completed');
    expect(b.disagg!.transferStartUs).toBeGreaterThanOrEqual(a.finishedUs);
    expect(b.disagg!.decodeRoutedUs).toBe(b.disagg!.transferStartUs);
    expect(cluster.instances[0]!.heldCount).toBe(0);
  });

  it('a decode instance that also serves whole requests keeps landed transfers at their reservation place (no stall)', async () => {
    // Five transfers reserve blocks on decode instance 1 at ~4-7 ms; r7 (whole, 193 tokens) is
    // enqueued there at 11.7 ms and needs more blocks than are free while the transfers hold theirs.
    // Queued behind r7 (arrival order) the landed transfers would wait forever; at their place they run first.
    const spec: Array<[number, number, number, number]> = [[0, 97, 2, 0], [0, 193, 2, 0], [0, 1, 2, 0], [0, 161, 2, 0], [0, 33, 2, 0], [0, 1, 2, 0], [1710, 209, 2, 0], [5000, 193, 1, 1], [0, 1, 1, 0]];
    let t = 0;
    const arrivals = spec.map(([gap, input, output, group], k) => {
      t += gap;
      return arrival(`r${k}`, t, input, output, { prefix: { group: `g${group}`, tokens: 64 } });
    });
    const { all, cluster } = await run({
      prefillInstances: 1, decodeInstances: 2, pdTransferBandwidthGBs: 0.05, totalKvBlocks: 60, maxNumSeqs: 4,
      snapshotRefreshIntervalMs: 0, routingPolicy: 'least-loaded',
    }, arrivals, undefined, 60_000_000);
    expect(all.filter((r) => r.status === 'completed').length).toBe(9);
    expect(cluster.instances.every((i) => i.kvUsedBlocks === 0)).toBe(true);
  });

  it('records every scorer\'s score for both routing decisions', async () => {
    const { records } = await run({
      prefillInstances: 1, decodeInstances: 2, routingPolicy: 'weighted', routingScorers: 'queue-depth:1,active-requests:1',
    }, [arrival('a', 0, 64, 3)]);
    const r = records.get('a')!;
    expect(Object.keys(r.routingScores!)).toEqual(['queue-depth', 'active-requests']);
    expect(Object.keys(r.disagg!.decodeRoutingScores!)).toEqual(['queue-depth', 'active-requests']);
  });

  it('the prefix-threshold decider serves short uncached prompts whole (on the decode pool) and disaggregates long ones', async () => {
    const { records } = await run({
      prefillInstances: 1, decodeInstances: 1, pdDecider: 'prefix-threshold', pdPrefixThreshold: 100,
    }, [arrival('short', 0, 64, 4), arrival('long', 0, 400, 4)]);
    expect(records.get('short')!.disagg).toBeUndefined();
    expect(records.get('short')!.pool).toBe('decode');
    expect(records.get('long')!.disagg?.decodeInstance).toBe(1);
  });

  it('prefix-threshold counts the prompt the decode side is known (through the KV-event delay) to hold', async () => {
    // b shares a's 320-token prefix and adds 32 tokens: once a's blocks on the decode instance are
    // visible (delay 1 ms), b's uncached part (32) is under the threshold and b is served whole.
    const p = { prefix: { group: 'sys', tokens: 320 } } as const;
    const { records } = await run({
      prefillInstances: 1, decodeInstances: 1, pdDecider: 'prefix-threshold', pdPrefixThreshold: 100, cacheSignalDelayMs: 1,
    }, [arrival('a', 0, 352, 2, p), arrival('b', 500_000, 352, 2, p)]);
    expect(records.get('a')!.disagg).toBeDefined();
    expect(records.get('b')!.disagg).toBeUndefined();
  });
});

describe('gateway latencies and models', () => {
  it('admission and routing latency delay the request: admitted = arrival + a, routed = enqueued = admitted + r', async () => {
    const { records } = await run({ numInstances: 1, admissionLatencyMs: 2, routingLatencyMs: 3 }, [arrival('x', 10, 16, 2)]);
    const r = records.get('x')!;
    expect([r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs]).toEqual([2010, 5010, 5010, 5010]);
  });

  it('a request\'s model picks its pools; no model goes to the default model; unknown models are rejected', async () => {
    const { records } = await run({
      pools: [{ name: 'qwen', count: 1 }, { name: 'llama', model: 'meta-llama/llama-3.1-8b-instruct', count: 1 }],
    }, [arrival('q', 0, 16, 2), arrival('l', 0, 16, 2, { model: 'meta-llama/llama-3.1-8b-instruct' }), arrival('u', 0, 16, 2, { model: 'nope/x' })]);
    expect([records.get('q')!.instance, records.get('q')!.pool]).toEqual([0, 'qwen']);
    expect([records.get('l')!.instance, records.get('l')!.pool]).toEqual([1, 'llama']);
    expect([records.get('u')!.status, records.get('u')!.reason]).toEqual(['rejected', 'unknown-model']);
  });
});
