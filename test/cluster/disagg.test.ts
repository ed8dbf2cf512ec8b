import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { kvBytesPerBlock } from '../../src/model/kv-sizing.js';
import { arrival, run } from './helpers.js';

const QWEN = getModel('qwen/qwen3-14b');

describe('P/D disaggregation (hand-computed)', () => {
  it('the decode instance is picked first; its first step after the transfer gives the client\'s first token', async () => {
    // Step = 1000 + 10·tokens us. Prefill of 160 tokens: 2600 us, the prefill answers at 2600. The
    // decode instance (routed at 0) gets the request then; idle, its (empty) step allocates 10
    // blocks and carries the pull at once: 1 GB/s (1000 B/us) plus 1 ms latency. Idle, it reports
    // the landing at once and recomputes the last prompt token (1010 us) → first token, then two
    // decode steps of 1010 us.
    const bytes = 10 * kvBytesPerBlock(QWEN, 1, 16);
    const { records, cluster } = await run({
      prefillInstances: 1, decodeInstances: 1, pdTransferBandwidthGBs: 1, pdTransferLatencyMs: 1,
    }, [arrival('a', 0, 160, 3)]);
    const r = records.get('a')!;
    const landed = 2600 + Math.ceil(bytes / 1000) + 1000;
    expect(r.status).toBe('completed');
    expect([r.instance, r.pool, r.routedUs]).toEqual([0, 'prefill', 0]);
    expect(r.disagg).toEqual({
      prefillInstance: 0, decodeInstance: 1, decodePool: 'decode', decodeRoutedUs: 0, prefillDoneUs: 2600,
      transferStartUs: 2600, transferEndUs: landed, transferBytes: bytes, decodeEnqueuedUs: 2600,
      decodeFirstScheduledUs: landed, decodeCachedTokens: 0,
    });
    expect(r.firstTokenUs).toBe(landed + 1010);
    expect(r.finishedUs).toBe(landed + 3 * 1010);
    expect(r.producedTokens).toBe(3);
    // The prefill instance keeps its 10 blocks: vLLM frees them when one of its steps reports the
    // read (finished_sending), and an engine without requests runs none.
    expect([cluster.instances[0]!.kvUsedBlocks, cluster.instances[0]!.heldCount, cluster.instances[0]!.readDone]).toEqual([10, 1, 1]);
    expect(cluster.instances[1]!.kvUsedBlocks).toBe(0);
  });

  it('TTFT grows with the transfer time: a slower link delays the first token by exactly the extra transfer', async () => {
    const ttft = async (gbs: number): Promise<number> => {
      const { records } = await run({ prefillInstances: 1, decodeInstances: 1, pdTransferBandwidthGBs: gbs, pdTransferLatencyMs: 1 }, [arrival('a', 0, 160, 3)]);
      const r = records.get('a')!;
      return r.firstTokenUs - r.arrivalUs;
    };
    const bytes = 10 * kvBytesPerBlock(QWEN, 1, 16);
    expect((await ttft(1)) - (await ttft(50))).toBe(Math.ceil(bytes / 1000) - Math.ceil(bytes / 50_000));
  });

  it('a decode instance without free blocks makes the transfer wait (prefill keeps its blocks) until blocks free', async () => {
    // Decode pool has 12 blocks: a's reservation (10) and its decode growth (11) leave too few for b.
    const { records, cluster, metrics } = await run({
      pools: [{ name: 'prefill', role: 'prefill', count: 1 }, { name: 'decode', role: 'decode', count: 1, totalKvBlocks: 12 }],
      pdTransferBandwidthGBs: 100, pdTransferLatencyMs: 0,
    }, [arrival('a', 0, 160, 3), arrival('b', 0, 160, 3)]);
    const a = records.get('a')!;
    const b = records.get('b')!;
    expect(a.status).toBe('completed');
    expect(b.status).toBe('completed');
    expect(b.disagg!.decodeRoutedUs).toBe(0);
    expect(b.disagg!.transferStartUs).toBeGreaterThanOrEqual(a.finishedUs);
    expect(b.disagg!.prefillDoneUs).toBeLessThan(b.disagg!.transferStartUs);
    expect(cluster.instances[0]!.heldCount).toBe(cluster.instances[0]!.readDone);
    const x = metrics.kv_transfer!;
    expect(x.count).toBe(2);
    expect(x.wait_for_decode_blocks_ms.max).toBeCloseTo((b.disagg!.transferStartUs - b.disagg!.prefillDoneUs) / 1000, 6);
  });

  it('a decode instance at max_num_seqs starts no transfer: the next one starts with the step after a seat frees', async () => {
    // Synchronous loop, decode max_num_seqs 1. a (0; 160 tokens, 20 out) answers at 2600; the idle
    // decode instance's (empty) step takes a's blocks and starts its pull at once; a then decodes
    // there until ~23 ms. b (5000) answers at 7600 while a runs: vLLM's waiting loop does not run
    // with the batch full, so b gets its blocks, and its pull starts, only with the formation right
    // after a's last step. (Requests waiting for their KV do not count against max_num_seqs: had a
    // and b answered together, both pulls would have started at once.)
    const { records } = await run({
      asyncScheduling: false, pdTransferBandwidthGBs: 100, pdTransferLatencyMs: 0,
      pools: [{ name: 'prefill', role: 'prefill', count: 1 }, { name: 'decode', role: 'decode', count: 1, maxNumSeqs: 1 }],
    }, [arrival('a', 0, 160, 20), arrival('b', 5000, 160, 3)]);
    const a = records.get('a')!;
    const b = records.get('b')!;
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    expect([a.disagg!.prefillDoneUs, a.disagg!.transferStartUs, b.disagg!.prefillDoneUs, b.disagg!.decodeEnqueuedUs]).toEqual([2600, 2600, 7600, 7600]);
    expect(b.disagg!.transferStartUs).toBe(a.finishedUs);
    expect(b.firstTokenUs).toBeGreaterThan(a.finishedUs);
  });

  it('a client timeout leaves a prefill that answered to the decode side: its blocks go with the read, not at the abort', async () => {
    // a (160 tokens) answers at 2600; its 10 blocks go over a 0.05 GB/s link (~524 ms); the client
    // gives up at 100 ms. vLLM ignores the abort of a finished request: the prefill instance holds
    // the blocks until the decode side's read lands, and then, idle, until its next step reports it.
    const { records, cluster } = await run({ prefillInstances: 1, decodeInstances: 1, pdTransferBandwidthGBs: 0.05, pdTransferLatencyMs: 0, clientTimeoutS: 0.1 }, [arrival('a', 0, 160, 3)]);
    expect(records.get('a')!.status).toBe('timed_out');
    const p = cluster.instances[0]!;
    expect([p.heldCount, p.readDone, p.kvUsedBlocks, p.idle]).toEqual([1, 1, 10, true]);
    expect(cluster.instances[1]!.kvUsedBlocks).toBe(0);
  });

  it('the decode instance pulls only what it does not hold: its own cached prefix is reused', async () => {
    // a leaves its 320-token prefix (20 blocks) in the decode instance's cache; b shares it and
    // adds 160 tokens: b's transfer carries 10 blocks, not 30.
    const p = { prefix: { group: 'sys', tokens: 320 } } as const;
    const { records } = await run({ prefillInstances: 1, decodeInstances: 1 }, [arrival('a', 0, 336, 2, p), arrival('b', 500_000, 480, 2, p)]);
    const b = records.get('b')!;
    expect(b.disagg!.decodeCachedTokens).toBe(320);
    expect(b.disagg!.transferBytes).toBe(10 * kvBytesPerBlock(QWEN, 1, 16));
  });

  it('decode instances show the requests they completed; pools, roles and transfers have their figures', async () => {
    const { metrics } = await run({ prefillInstances: 1, decodeInstances: 2 }, Array.from({ length: 6 }, (_, k) => arrival(`r${k}`, k * 1000, 160, 4)));
    const done = metrics.instances.map((i) => i.requests.completed);
    expect(done[0]).toBe(6);
    expect(done[1]! + done[2]!).toBe(6);
    expect(done[1]).toBeGreaterThan(0);
    expect(metrics.pools!.map((p) => [p.name, p.role, p.requests.completed])).toEqual([['prefill', 'prefill', 6], ['decode', 'decode', 6]]);
    expect(Object.keys(metrics.roles!)).toEqual(['prefill', 'decode']);
    expect(metrics.kv_transfer!.count).toBe(6);
    expect(metrics.kv_transfer!.bytes).toBe(6 * 10 * kvBytesPerBlock(QWEN, 1, 16));
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
    expect(cluster.instances.every((i) => i.heldCount === i.readDone && (i.heldCount > 0 || i.kvUsedBlocks === 0))).toBe(true);
    expect(cluster.instances.slice(1).every((i) => i.kvUsedBlocks === 0)).toBe(true);
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

  it('prefix-threshold counts the prompt the router sent the decode instance (llm-d\'s approximate prefix index), with no KV-event delay', async () => {
    // b shares a's 320-token prefix and adds 32 tokens. llm-d's decider reads PrefixCacheMatchInfo
    // from the approximate index, which learnt a's blocks on the decode instance when a was routed:
    // b's uncached part (32) is under the threshold and b is served whole, though the KV events
    // (2 s late by default) do not show a's blocks yet.
    const p = { prefix: { group: 'sys', tokens: 320 } } as const;
    const { records } = await run({
      prefillInstances: 1, decodeInstances: 1, pdDecider: 'prefix-threshold', pdPrefixThreshold: 100,
    }, [arrival('a', 0, 352, 2, p), arrival('b', 500_000, 352, 2, p)]);
    expect(records.get('a')!.disagg).toBeDefined();
    expect(records.get('b')!.disagg).toBeUndefined();
  });

  it('under precise-prefix-cache routing, prefix-threshold reads the KV events, through their delay', async () => {
    // llm-d's precise scorer writes PrefixCacheMatchInfo from the pods' KV events: with a 2 s delay b
    // (500 ms after a) sees nothing cached and is split; with 1 ms it sees a's blocks and is not.
    const p = { prefix: { group: 'sys', tokens: 320 } } as const;
    const go = (cacheSignalDelayMs: number) => run({
      prefillInstances: 1, decodeInstances: 1, pdDecider: 'prefix-threshold', pdPrefixThreshold: 100, cacheSignalDelayMs,
      routingPolicy: 'weighted', routingScorers: 'precise-prefix-cache:1',
    }, [arrival('a', 0, 352, 2, p), arrival('b', 500_000, 352, 2, p)]);
    expect((await go(2000)).records.get('b')!.disagg).toBeDefined();
    expect((await go(1)).records.get('b')!.disagg).toBeUndefined();
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
