/** `blis step-time`: the step of a batch term by term, as the model resolves for `blis run`; bad flags exit 2 by name. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

interface Explained {
  schema: string;
  data_parallel_size: number;
  model: string;
  hardware: string;
  tp: number;
  batch: { decodes: number; context: number; prefill_tokens: number; prefill_context: number };
  terms: { term: string; side: string; basis: number; coefficient: number; us: number }[];
  gpuUs: number;
  cpuUs: number;
  synchronousStepUs: number;
  asynchronousStepUs: number;
}

async function explain(args: string[]): Promise<Explained> {
  const r = await runCli(['step-time', ...args, '--output', 'json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Explained;
}

describe('blis step-time', () => {
  it('costs the batch the flags describe, with the model, GPU and TP run resolves', async () => {
    const e = await explain(['--model', 'meta-llama/llama-3.1-8b-instruct', '--decodes', '8', '--context', '500', '--prefill', '300', '--prefill-context', '100']);
    expect(e).toMatchObject({ schema: 'blis.step-time/v1', model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', tp: 1 });
    expect(e.batch).toEqual({ decodes: 8, context: 500, prefill_tokens: 300, prefill_context: 100 });
    const term = (name: string): Explained['terms'][number] => e.terms.find((t) => t.term === name)!;
    // 9 requests scheduled; the CPU pays per request, the step's tokens (8 + 300) reach the GEMMs.
    expect(term('requests').basis).toBe(9);
    expect(term('prefill_tokens').basis).toBe(300);
    expect(term('decode_tokens').basis).toBe(8);
    expect(term('attn_prefill_us').basis).toBeGreaterThan(0);
    expect(term('allreduce_us').basis).toBe(0); // TP 1
    expect(e.synchronousStepUs).toBe(Math.max(1, Math.round(e.gpuUs + e.cpuUs)));
    expect(e.asynchronousStepUs).toBeLessThan(e.synchronousStepUs);
  });

  it('the same batch is slower on an A100-80 than on an H100, in the GEMMs and the KV reads (their measured rates)', async () => {
    const args = ['--model', 'qwen/qwen3-14b', '--decodes', '64', '--context', '2048'];
    const h = await explain([...args, '--hardware', 'H100']);
    const a = await explain([...args, '--hardware', 'A100-80']);
    const us = (e: Explained, name: string): number => e.terms.find((t) => t.term === name)!.us;
    expect(us(a, 'gemm_us') / us(h, 'gemm_us')).toBeGreaterThan(1.3);
    expect(us(a, 'attn_decode_us') / us(h, 'attn_decode_us')).toBeGreaterThan(1.3);
    // The engine core's CPU does not depend on the GPU.
    expect(a.cpuUs).toBe(h.cpuUs);
  });

  it('TP 2 adds the all-reduces; --latency-model roofline gives coefficient 1 on every GPU time term', async () => {
    const e = await explain(['--model', 'qwen/qwen3-14b', '--tp', '2', '--decodes', '16', '--latency-model', 'roofline']);
    const ar = e.terms.find((t) => t.term === 'allreduce_us')!;
    expect(ar.basis).toBeGreaterThan(0);
    for (const t of e.terms.filter((x) => x.term.endsWith('_us'))) expect(t.coefficient).toBe(1);
  });

  it('prints a table with every term and the two step times', async () => {
    const r = await runCli(['step-time', '--decodes', '4']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^qwen\/qwen3-14b on H100, TP 1; step-time model fitted/);
    expect(r.out).toMatch(/batch: 4 decodes at 1,024 tokens of context/);
    for (const name of ['step', 'gemm_us', 'attn_decode_us', 'kernels_us', 'filter_us']) expect(r.out).toMatch(new RegExp(`\\n${name} +(CPU|GPU) `));
    expect(r.out).toMatch(/synchronous step \(--no-async-scheduling: CPU, then GPU\): [0-9,]+ µs/);
    expect(r.out).toMatch(/asynchronous step .*= max\(GPU, CPU\) \+ 160\.0/);
  });

  it('writes a coefficient of thousands of µs as the µs column does, not in exponent notation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-step-time-'));
    writeFileSync(join(dir, 'linear.json'), JSON.stringify({ alpha0Us: 12345.6, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 0.5, alpha3UsPerContextToken: 0 }));
    const r = await runCli(['step-time', '--latency-model', 'linear', '--latency-coefficients', 'linear.json', '--decodes', '2'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\nalpha0 +GPU +1 +steps +12,345\.6 +12,345\.6 +fixed cost per step\n/);
    expect(r.out).toMatch(/\nalpha2 +GPU +2 +tokens +0\.5000 +1\.0 +per decode token\n/);
    expect(r.out).not.toMatch(/e\+/);
  });

  it("notes on stderr what keeps a run with vLLM's defaults from forming the batch; a batch a run forms gets none", async () => {
    const big = await runCli(['step-time', '--hardware', 'A100-80', '--decodes', '300', '--context', '30000']);
    expect(big.code, big.err).toBe(0);
    // A100-80: max_num_seqs 256, budget 2048; 300 x ceil(30001 / 16) = 300 x 1876 blocks.
    expect(big.err).toMatch(/note: 300 requests in one step; a run schedules at most max_num_seqs 256 \(vLLM's default on A100-80; blis run --max-num-seqs\)/);
    expect(big.err).not.toMatch(/max_num_batched_tokens/);
    expect(big.err).toMatch(/note: the batch's KV needs 562,800 blocks of 16 tokens; the cache holds [0-9,]+ \(a run would preempt/);
    const chunk = await runCli(['step-time', '--prefill', '9000']);
    expect(chunk.err).toMatch(/note: 9,000 tokens in one step; a run schedules at most max_num_batched_tokens 8,192 \(vLLM's default on H100/);
    expect((await runCli(['step-time', '--decodes', '64', '--context', '2048'])).err).toBe('');
    expect((await runCli(['step-time', '--hardware', 'A100-80', '--decodes', '300', '--context', '30000', '--quiet'])).err).toBe('');
  });

  it('--data-parallel-size is echoed as given; a dense model\'s ranks are independent engines, each stepping the batch alone', async () => {
    const dense = await explain(['--data-parallel-size', '2', '--decodes', '8']);
    expect(dense).toMatchObject({ data_parallel_size: 2 });
    expect(dense.synchronousStepUs).toBe((await explain(['--decodes', '8'])).synchronousStepUs);
    const human = await runCli(['step-time', '--data-parallel-size', '2', '--decodes', '8']);
    expect(human.out).toMatch(/^qwen\/qwen3-14b on H100, TP 1, 2 data-parallel ranks, each its own engine; step-time model fitted/);
    const moe = await runCli(['step-time', '--model', 'qwen/qwen3-30b-a3b', '--data-parallel-size', '2', '--decodes', '8']);
    expect(moe.out).toMatch(/^qwen\/qwen3-30b-a3b on H100, TP 1, 2 data-parallel ranks; step-time model fitted/);
  });

  it("a configuration vLLM refuses to start is refused the same way, and the flag the message names is here to fix it", async () => {
    const glm = ['--model', 'zai-org/glm-5.2-fp8', '--hardware', 'H200', '--tp', '8', '--kv-cache-dtype', 'fp8', '--decodes', '8', '--context', '100000'];
    const refused = await runCli(['step-time', ...glm]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--max-model-len: vLLM refuses to start: .* Pass --max-model-len 576064 or less/);
    const e = await explain([...glm, '--max-model-len', '262144']);
    expect(e.synchronousStepUs).toBeGreaterThan(0);
  });

  it.each([
    [['--decodes', '0'], /--decodes: found 0 with no --prefill/],
    [['--decodes', '-3'], /--decodes: found -3; expected 0 to 1000000/],
    [['--decodes', '2.5'], /--decodes: found '2\.5'; expected an integer/],
    [['--prefill-context', '10'], /--prefill-context: given without --prefill/],
    [['--model', 'no/such-model'], /--model: unknown model 'no\/such-model'/],
    [['--tp', '3'], /--tp: tensor parallel size 3 does not divide qwen\/qwen3-14b's 40 attention heads/],
    // Beyond what a request of --max-model-len (default the model config's, 40,960) can reach.
    [['--context', '40959'], /--context: found 40959; a decoding request holds at most max-model-len - 2 = 40958 tokens/],
    [['--max-model-len', '1000'], /--context: found 1024; .* \(--max-model-len 1000: a request's prompt \+ output is at most that\)/],
    [['--prefill', '40960'], /--prefill: found 40960 after --prefill-context 0, a chunk ending at token 40960; a chunk ends at most at max-model-len - 1 = 40959/],
  ])('%j exits 2 naming the flag', async (args, message) => {
    const r = await runCli(['step-time', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
