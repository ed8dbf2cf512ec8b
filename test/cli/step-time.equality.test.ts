/**
 * `blis step-time`'s claim that its totals are the simulator's own step: a batch set up with
 * `blis replay` (requests arriving at once, fixed outputs) steps with the durations step-time
 * prints for the same model, GPU, TP and ranks. Read from the run's token times (OTLP spans, a
 * token event per output token: consecutive tokens of a request are one step apart) and its
 * prefill chunks' durations. The mapping (docs/model.md, *One step, term by term*):
 * - decode step i (it samples output token i) of N requests arriving together with P-token
 *   prompts: --decodes N --context P+i-1;
 * - --no-async-scheduling: every step is the synchronous step;
 * - asynchronous loop: a step is max(its GPU µs, the next step's CPU µs) + asyncSyncUs, rounded,
 *   which is step-time's asynchronous step when the next step schedules as many requests or the
 *   GPU part dominates; the first step after an idle engine also pays its own CPU µs first.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

interface Explained { terms: { term: string; coefficient: number }[]; gpuUs: number; cpuUs: number; asyncSyncUs: number; synchronousStepUs: number; asynchronousStepUs: number }

/** Per request (its trace): the simulated µs of its first and later output tokens, and its prefill chunks' durations. */
interface Traced { tokensUs: number[]; chunks: { tokens: number; durationUs: number }[] }

type Loop = 'sync' | 'async';

async function stepTime(flags: readonly string[], batch: readonly string[]): Promise<Explained> {
  const r = await runCli(['step-time', ...flags, ...batch, '--output', 'json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Explained;
}

/** The step a loop runs for a batch, as step-time prints it. */
const stepOf = (e: Explained, loop: Loop): number => (loop === 'sync' ? e.synchronousStepUs : e.asynchronousStepUs);

async function replay(flags: readonly string[], csv: string, loop: Loop): Promise<Traced[]> {
  const dir = mkdtempSync(join(tmpdir(), 'blis-step-eq-'));
  writeFileSync(join(dir, 'arrivals.csv'), csv);
  const r = await runCli(['replay', 'arrivals.csv', ...flags, ...(loop === 'sync' ? ['--no-async-scheduling'] : []),
    '--otlp-out', 'spans.jsonl', '--trace-token-every', '1', '--output', 'json', '--quiet'], dir);
  expect(r.code, r.err).toBe(0);
  const byTrace = new Map<string, Traced>();
  type Attr = { key: string; value: { intValue?: string } };
  type Span = { traceId: string; name: string; events?: { name: string; timeUnixNano: string; attributes?: Attr[] }[] };
  for (const line of readFileSync(join(dir, 'spans.jsonl'), 'utf8').trim().split('\n')) {
    const doc = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
    for (const s of doc.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))) {
      const t = byTrace.get(s.traceId) ?? { tokensUs: [], chunks: [] };
      byTrace.set(s.traceId, t);
      for (const e of s.events ?? []) {
        const attr = (k: string): number => Number(e.attributes!.find((a) => a.key === k)!.value.intValue);
        if (e.name === 'first_token' || e.name === 'token') t.tokensUs.push(Number(BigInt(e.timeUnixNano) / 1000n));
        if (e.name === 'prefill_chunk') t.chunks.push({ tokens: attr('blis.chunk.tokens'), durationUs: attr('blis.chunk.duration_us') });
      }
    }
  }
  return [...byTrace.values()];
}

const rows = (n: number, arrivalUs: number, input: number, output: number): string => `${arrivalUs},${input},${output}\n`.repeat(n);
const HEADER = 'arrival_us,input_tokens,output_tokens\n';

// Dense and MoE, three GPUs, TP 1/2/4, data-parallel expert-parallel ranks (N requests on each rank).
// A fresh server compiles fused-MoE kernel variants on first use (about 1 s a step, not in the step
// time: docs/model.md); the MoE runs here start warm so that every step is the model's.
const CONFIGS: { flags: string[]; ranks: number; warm?: true }[] = [
  { flags: ['--model', 'qwen/qwen3-14b', '--hardware', 'H100'], ranks: 1 },
  { flags: ['--model', 'meta-llama/llama-3.1-70b-instruct', '--hardware', 'A100-80', '--tp', '4'], ranks: 1 },
  { flags: ['--model', 'mistralai/mixtral-8x7b-v0.1', '--hardware', 'L40S', '--tp', '4'], ranks: 1, warm: true },
  { flags: ['--model', 'meta-llama/llama-3.1-8b-instruct', '--hardware', 'H100', '--tp', '2', '--kv-cache-dtype', 'fp8'], ranks: 1 },
  { flags: ['--model', 'qwen/qwen3-30b-a3b', '--hardware', 'H100', '--data-parallel-size', '2', '--enable-expert-parallel'], ranks: 2, warm: true },
];

describe.each(['async', 'sync'] as const)('blis step-time is the simulated step (%s loop)', (loop) => {
  it.each(CONFIGS)('a constant decode batch: each token gap is the step of N decodes at its context ($flags)', async ({ flags, ranks, warm }) => {
    const N = 8;
    const P = 200;
    const O = 5;
    const traced = await replay(warm ? [...flags, '--warm-kernel-cache'] : flags, HEADER + rows(N * ranks, 0, P, O), loop);
    expect(traced).toHaveLength(N * ranks);
    const tokens = traced[0]!.tokensUs;
    expect(tokens).toHaveLength(O);
    for (const t of traced) expect(t.tokensUs).toEqual(tokens);
    for (let i = 1; i < O; i++) {
      const e = await stepTime(flags, ['--decodes', String(N), '--context', String(P + i - 1)]);
      expect(tokens[i]! - tokens[i - 1]!, `decode step ${i}`).toBe(stepOf(e, loop));
    }
  });

  it.each(CONFIGS.slice(0, 4))('a prefill chunk joining N decodes: its step is --decodes N --prefill T ($flags)', async ({ flags, warm }) => {
    const N = 8;
    const P = 100;
    const T = 1000;
    // N requests decode; another arrives 0.2 s later and its whole prompt is one chunk of a mixed step.
    const traced = await replay(warm ? [...flags, '--warm-kernel-cache'] : flags, HEADER + rows(N, 0, P, 60) + rows(1, 200_000, T, 3), loop);
    const joined = traced.find((t) => t.tokensUs.length === 3)!;
    const running = traced.find((t) => t.tokensUs.length === 60)!;
    // The mixed step samples the newcomer's first token and the running requests' token i (decode step i).
    const i = running.tokensUs.indexOf(joined.tokensUs[0]!);
    expect(i).toBeGreaterThan(1);
    const e = await stepTime(flags, ['--decodes', String(N), '--context', String(P + i - 1), '--prefill', String(T)]);
    // The next step schedules one request more (the newcomer decodes); the GPU part dominates, so its CPU does not show.
    const perRequest = e.terms.find((t) => t.term === 'requests')?.coefficient ?? 0;
    expect(e.gpuUs).toBeGreaterThan(e.cpuUs + perRequest);
    expect(joined.chunks).toEqual([{ tokens: T, durationUs: stepOf(e, loop) }]);
    expect(running.tokensUs[i]! - running.tokensUs[i - 1]!).toBe(stepOf(e, loop));
  });
});

describe('a prompt chunked by the token budget: each chunk after --prefill-context tokens', () => {
  const flags = ['--model', 'qwen/qwen3-14b', '--hardware', 'H100'];
  it.each(['async', 'sync'] as const)('%s loop', async (loop) => {
    const traced = await replay([...flags, '--max-num-batched-tokens', '512'], HEADER + rows(1, 0, 1200, 2), loop);
    expect(traced[0]!.chunks.map((c) => c.tokens)).toEqual([512, 512, 176]);
    const steps = await Promise.all([[512, 0], [512, 512], [176, 1024]].map(([t, p]) => stepTime(flags, ['--prefill', String(t), '--prefill-context', String(p)])));
    const durations = traced[0]!.chunks.map((c) => c.durationUs);
    if (loop === 'sync') {
      expect(durations).toEqual(steps.map((e) => e.synchronousStepUs));
    } else {
      // The first step after an idle engine pays its own CPU first; the next steps schedule the same one request.
      const first = steps[0]!;
      expect(durations[0]).toBe(Math.round(first.cpuUs + Math.max(first.gpuUs, first.cpuUs) + first.asyncSyncUs));
      expect(durations.slice(1)).toEqual(steps.slice(1).map((e) => e.asynchronousStepUs));
    }
  });
});

describe('the longest request a run serves (prompt + output = --max-model-len) bounds the batch step-time costs', () => {
  const flags = ['--model', 'meta-llama/llama-2-7b-hf', '--hardware', 'H100', '--max-model-len', '2048'];
  it('its last decode is at context max-model-len - 2 and its prompt chunk ends at max-model-len - 1; one token more is refused by name', async () => {
    const traced = await replay(flags, HEADER + rows(1, 0, 2046, 2), 'sync');
    const decode = await stepTime(flags, ['--decodes', '1', '--context', '2046']);
    expect(traced[0]!.tokensUs[1]! - traced[0]!.tokensUs[0]!).toBe(decode.synchronousStepUs);
    const whole = await replay(flags, HEADER + rows(1, 0, 2047, 1), 'sync');
    const chunk = await stepTime(flags, ['--prefill', '2047']);
    expect(whole[0]!.chunks).toEqual([{ tokens: 2047, durationUs: chunk.synchronousStepUs }]);
    const longer = await runCli(['step-time', ...flags, '--decodes', '1', '--context', '2047']);
    expect(longer.code).toBe(2);
    expect(longer.err).toMatch(/--context: found 2047; a decoding request holds at most max-model-len - 2 = 2046 tokens before a step \(--max-model-len 2048/);
    const chunkLonger = await runCli(['step-time', ...flags, '--prefill', '48', '--prefill-context', '2000']);
    expect(chunkLonger.code).toBe(2);
    expect(chunkLonger.err).toMatch(/--prefill: found 48 after --prefill-context 2000, a chunk ending at token 2048; a chunk ends at most at max-model-len - 1 = 2047/);
  });
});
