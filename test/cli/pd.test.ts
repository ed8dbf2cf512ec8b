/**
 * P/D through the CLI, as llm-d serves it: the client's first token comes from the decode
 * instance after the KV transfer, so the link's speed shows in TTFT; decode instances, pools and
 * transfers have their figures; spans order the transfer before the decode.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const PD = ['run', '--workload', 'codegen', '--rate', '20', '--num-requests', '300', '--num-instances', '4', '--tp', '2',
  '--prefill-instances', '1', '--decode-instances', '3', '--pd-decider', 'always', '--routing-policy', 'weighted', '--output', 'json', '--quiet'];

/** The P/D run with `extra` flags; a flag given in `extra` replaces the base one (flags are single-valued). */
async function pd(extra: string[], cwd?: string): Promise<Record<string, any>> {
  const base = [...PD];
  for (let k = 0; k < extra.length; k++) {
    const i = extra[k]!.startsWith('--') ? base.indexOf(extra[k]!) : -1;
    if (i >= 0 && k + 1 < extra.length && !extra[k + 1]!.startsWith('--')) base.splice(i, 2);
  }
  const r = await runCli([...base, ...extra], cwd);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe('P/D through the CLI', () => {
  it('a slower KV link raises TTFT, not TPOT', async () => {
    const slow = await pd(['--pd-transfer-bandwidth', '5']);
    const fast = await pd(['--pd-transfer-bandwidth', '50']);
    // The transfer is part of TTFT: the slower link's extra transfer time shows there (decode
    // instances hold the 2,000-token shared context, so only the rest of each prompt moves).
    const extra = slow.kv_transfer.transfer_ms.p50 - fast.kv_transfer.transfer_ms.p50;
    expect(extra).toBeGreaterThan(10);
    expect(slow.ttft_ms.p50 - fast.ttft_ms.p50).toBeGreaterThan(0.8 * extra);
    expect(Math.abs(slow.tpot_ms.p50 / fast.tpot_ms.p50 - 1)).toBeLessThan(0.05);
    expect(slow.kv_transfer.transfer_ms.p50).toBeGreaterThan(8 * fast.kv_transfer.transfer_ms.p50);
  });

  it('decode instances show the requests they completed; pools, roles and transfers are reported', async () => {
    const m = await pd([]);
    const rows = m.instances as Array<{ role: string; requests: { completed: number } }>;
    const decodeDone = rows.filter((i) => i.role === 'decode').reduce((a, i) => a + i.requests.completed, 0);
    expect(decodeDone).toBe(m.requests.completed);
    expect(rows.filter((i) => i.role === 'prefill')[0]!.requests.completed).toBe(m.requests.completed);
    expect(m.pools.map((p: { name: string; role: string }) => `${p.name}:${p.role}`)).toEqual(['prefill:prefill', 'decode:decode']);
    expect(Object.keys(m.roles)).toEqual(['prefill', 'decode']);
    expect(m.kv_transfer.count).toBe(m.requests.completed);
    expect(m.kv_transfer.bytes).toBeGreaterThan(0);
    const text = (await runCli(PD.filter((a) => a !== '--output' && a !== 'json'))).out;
    expect(text).toMatch(/^kv transfer: 300 transfers, /m);
    expect(text).toMatch(/^decode\s+decode\s+300\s/m);
  });

  it('spans: kv_transfer ends before (or as) the decode span starts, and the first token is the decode instance\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-pd-'));
    await pd(['--num-requests', '20', '--otlp-out', 's.json'], dir);
    const traces = new Map<string, Map<string, { start: bigint; end: bigint; events?: Array<{ name: string; timeUnixNano: string }> }>>();
    for (const line of readFileSync(join(dir, 's.json'), 'utf8').trim().split('\n')) {
      for (const rs of JSON.parse(line).resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
        if (!traces.has(s.traceId)) traces.set(s.traceId, new Map());
        traces.get(s.traceId)!.set(s.name, { start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano), events: s.events });
      }
    }
    expect(traces.size).toBe(20);
    for (const spans of traces.values()) {
      const kv = spans.get('kv_transfer')!;
      const decode = spans.get('decode')!;
      expect(spans.get('prefill')!.end).toBeLessThanOrEqual(kv.start);
      expect(kv.start).toBeLessThan(decode.start);
      expect(kv.end).toBeLessThanOrEqual(decode.start);
      expect(BigInt(decode.events!.find((e) => e.name === 'first_token')!.timeUnixNano)).toBeGreaterThan(decode.start);
    }
  });
});
