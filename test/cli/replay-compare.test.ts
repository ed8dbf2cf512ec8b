/**
 * `blis replay --compare`: what is scored when the trace's own output lengths are not the decoded
 * ones (the calibration CSV's output_tokens_counted), and what is said when nothing was compared.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const HEADER = 'index,stage,arrival_us,input_tokens_counted,output_tokens_counted,ttft_us,e2e_us,error';

function inDir(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-replay-compare-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

describe('blis replay --compare', () => {
  it("leaves TPOT and ITL out, and says why, when the trace's output lengths are re-tokenised counts", async () => {
    // 2 s of decode over a count of 3 tokens: an observed "TPOT" of 1 s that no decode step took.
    const rows = Array.from({ length: 20 }, (_, i) => `${i},0,${i * 200_000},200,3,50000,2050000,0`);
    const dir = inDir('t.requests.csv', `${HEADER}\n${rows.join('\n')}\n`);
    const r = await runCli(['replay', 't.requests.csv', '--model', 'meta-llama/llama-2-7b-hf', '--compare', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/e2e_mean\s+[\d.]+\s+2050\.00/);
    expect(r.out).not.toMatch(/^(tpot|itl)_/m);
    expect(r.out).toMatch(/TPOT and ITL not compared for 20 request\(s\): the trace's output lengths are the client's re-tokenised counts/);
  });
});

describe('blis replay --compare: per-request errors', () => {
  it('a latency no request observed has no per-request error (null, "-"), not 0 %', async () => {
    // TraceV2 rows with a last chunk and no first chunk: E2E observed, TTFT not.
    const header = 'request_id,arrival_time_us,input_tokens,output_tokens,send_time_us,first_chunk_time_us,last_chunk_time_us,status';
    const rows = Array.from({ length: 10 }, (_, i) => `${i},${i * 100_000},100,11,${1_000_000 + i * 100_000},,${1_900_000 + i * 100_000},ok`);
    const dir = inDir('t.trace_data.csv', `${header}\n${rows.join('\n')}\n`);
    const r = await runCli(['replay', 't.trace_data.csv', '--model', 'meta-llama/llama-2-7b-hf', '--compare', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/TTFT median -, p90 - \(n=0\); E2E median [\d.]+%/);
    const j = await runCli(['replay', 't.trace_data.csv', '--model', 'meta-llama/llama-2-7b-hf', '--compare', '--output', 'json', '--quiet'], dir);
    expect(JSON.parse(j.out).comparison.per_request.ttft).toEqual({ n: 0, median_abs_pct: null, p90_abs_pct: null });
  });
});
