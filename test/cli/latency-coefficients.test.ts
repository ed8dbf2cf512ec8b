/**
 * `--latency-coefficients FILE` in `run` and `replay`: the model registry resolves the step-time
 * model once (resolveStepTime), the resolved config carries it to every pool, and the metrics
 * JSON echoes the final name and the file.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const SHIPPED = join(root, 'src/model/coefficients/default.json');
const TRACE = join(root, 'traces/azure2023-code.reconstructed.head300.csv');
const RUN = ['run', '--model', 'qwen/qwen3-14b', '--workload', 'chatbot', '--rate', '20', '--num-requests', '300', '--output', 'json', '--quiet'];
const REPLAY = ['replay', TRACE, '--model', 'meta-llama/llama-3.1-8b-instruct', '--output', 'json', '--quiet'];

/** The shipped coefficients with every GEMM `factor`× slower (a file that must change decode time). */
function slowerGemms(factor: number): string {
  const doc = JSON.parse(readFileSync(SHIPPED, 'utf8'));
  for (const e of doc.entries) {
    e.coefficients.gemm_us *= factor;
    e.coefficients.lm_head_us *= factor;
  }
  const dir = mkdtempSync(join(tmpdir(), 'blis-coeff-'));
  writeFileSync(join(dir, 'slow.json'), JSON.stringify(doc));
  return join(dir, 'slow.json');
}

const latencies = (doc: { ttft_ms: unknown; tpot_ms: unknown; e2e_ms: unknown }) => ({ ttft: doc.ttft_ms, tpot: doc.tpot_ms, e2e: doc.e2e_ms });

describe('--latency-coefficients in run and replay', () => {
  for (const [name, argv] of [['run', RUN], ['replay', REPLAY]] as const) {
    it(`${name}: the shipped default file reproduces the default model exactly, and the metrics JSON names the file`, async () => {
      const plain = await runCli([...argv]);
      const withFile = await runCli([...argv, '--latency-coefficients', SHIPPED]);
      expect(withFile.code, withFile.err).toBe(0);
      expect(plain.code, plain.err).toBe(0);
      const a = JSON.parse(plain.out);
      const b = JSON.parse(withFile.out);
      expect(latencies(b)).toEqual(latencies(a));
      expect(a.config.latency_model).toBe('fitted');
      expect(a.config.latency_coefficients).toBeUndefined();
      expect(b.config.latency_model).toBe('fitted');
      expect(b.config.latency_coefficients).toBe(SHIPPED);
    });

    it(`${name}: a file with GEMMs twice as slow lengthens every token (TPOT mean up by more than half)`, async () => {
      const base = JSON.parse((await runCli([...argv, '--latency-coefficients', SHIPPED])).out);
      const slow = await runCli([...argv, '--latency-coefficients', slowerGemms(2)]);
      expect(slow.code, slow.err).toBe(0);
      expect(JSON.parse(slow.out).tpot_ms.mean).toBeGreaterThan(1.5 * base.tpot_ms.mean);
    });
  }

  it('every pool uses the file: a decode pool on another GPU slows down with it too', async () => {
    const pd = [...RUN, '--num-instances', '2', '--prefill-instances', '1', '--decode-instances', '1', '--decode-hardware', 'A100-80'];
    const base = JSON.parse((await runCli([...pd, '--latency-coefficients', SHIPPED])).out);
    const slow = JSON.parse((await runCli([...pd, '--latency-coefficients', slowerGemms(2)])).out);
    // Every token after the first is decoded on the A100 pool (per-instance blocks count a request where it entered).
    expect(base.config.pools.map((p: { hardware: string }) => p.hardware)).toEqual(['H100', 'A100-80']);
    expect(slow.tpot_ms.mean).toBeGreaterThan(1.5 * base.tpot_ms.mean);
  });

  it('a file with another --latency-model is a conflict; an unknown model or a malformed file exits 2 naming the flag, file and field', async () => {
    const conflict = await runCli([...RUN, '--latency-model', 'roofline', '--latency-coefficients', SHIPPED]);
    expect(conflict.code).toBe(2);
    expect(conflict.err).toMatch(/FLAG_CONFLICT.*--latency-coefficients.*fitted, not 'roofline'/);
    const unknown = await runCli([...REPLAY, '--latency-model', 'rooflne']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--latency-model: unknown step-time model 'rooflne'; did you mean roofline/);
    const dir = mkdtempSync(join(tmpdir(), 'blis-coeff-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ schema: 'blis.step-coefficients/v1', provenance: { status: 'x', source: 'x', date: '', inputs: [], objective: '' }, entries: [{ match: {}, coefficients: { gemm: 1 } }] }));
    const bad = await runCli([...RUN, '--latency-coefficients', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.json: entries\[0\]\.coefficients\.gemm: unknown basis term/);
  });

  it('with --latency-model linear the file holds its α options: a request steps exactly as computed by hand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-linear-'));
    writeFileSync(join(dir, 'lin.json'), JSON.stringify({ alpha0Us: 10_000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 0, alpha3UsPerContextToken: 0 }));
    writeFileSync(join(dir, 'w.yaml'), 'clients:\n  - name: a\n    input: {dist: constant, value: 100}\n    output: {dist: constant, value: 5}\nrate: 1\n');
    const r = await runCli(['run', '--workload-spec', join(dir, 'w.yaml'), '--num-requests', '1', '--latency-model', 'linear', '--latency-coefficients', join(dir, 'lin.json'), '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    // The prompt's step: 10,000 + 10 × 100 µs; then four one-token decodes of 10,000 µs each.
    expect([doc.ttft_ms.mean, doc.e2e_ms.mean, doc.tpot_ms.mean]).toEqual([11, 51, 10]);
    expect([doc.config.latency_model, doc.config.latency_coefficients]).toEqual(['linear', join(dir, 'lin.json')]);
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ alpha0: 1 }));
    const typo = await runCli(['run', '--num-requests', '1', '--latency-model', 'linear', '--latency-coefficients', join(dir, 'typo.json')]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/UNKNOWN_OPTION.*typo\.json: alpha0: unknown option 'alpha0'; did you mean alpha0Us/);
  });

  it('linear coefficients left out of the file come from the roofline, and config.derivations names them with their values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-linear-'));
    writeFileSync(join(dir, 'two.json'), JSON.stringify({ alpha0Us: 10_000, alpha1UsPerPrefillToken: 10 }));
    writeFileSync(join(dir, 'four.json'), JSON.stringify({ alpha0Us: 10_000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 0, alpha3UsPerContextToken: 0 }));
    const run = async (file: string) => JSON.parse((await runCli(['run', '--num-requests', '1', '--latency-model', 'linear', '--latency-coefficients', join(dir, file), '--output', 'json', '--quiet'])).out);
    const two = await run('two.json');
    // A decode then costs more than α0: the derived α2 and α3 are in the step.
    expect(two.tpot_ms.mean).toBeGreaterThan(10);
    expect(two.config.derivations.latencyCoefficients).toMatch(/^alpha2UsPerDecodeToken [\d.]+, alpha3UsPerContextToken [\d.]+: not given, so derived by linearising the roofline for qwen\/qwen3-14b on H100, TP 1/);
    const four = await run('four.json');
    expect(four.tpot_ms.mean).toBe(10);
    expect(four.config.derivations.latencyCoefficients).toBeUndefined();
  });
});
