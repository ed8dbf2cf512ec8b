/**
 * Bad input through the CLI: each damaged row is skipped and reported with its location, the
 * good rows are replayed, and nothing crashes (exit 3) or hangs. A file-level problem is exit 2
 * with one line naming the file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');

function inDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-bad-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const CSV = 'arrival_us,input_tokens,output_tokens\n';

describe('token counts are checked at ingest, per row', () => {
  it('1e20 and 10^12 input tokens are skipped with file:line; the good row is simulated', async () => {
    const dir = inDir({ 't.csv': `${CSV}0,100,10\n1000,1e20,10\n2000,1000000000000,5\n` });
    const r = await runCli(['replay', 't.csv', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).requests.injected).toBe(1);
    expect(r.err).toMatch(/skipped: TOKENS_OUT_OF_RANGE 2/);
    expect(r.err).toMatch(/t\.csv:3: input_tokens is 100000000000000000000: more than 16777216/);
    expect(r.err).toMatch(/t\.csv:4: input_tokens is 1000000000000/);
  });

  it('--strict stops at the first with exit 2 naming file:line', async () => {
    const dir = inDir({ 't.csv': `${CSV}0,100,10\n1000,1e20,10\n` });
    const r = await runCli(['replay', 't.csv', '--strict', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[TOKENS_OUT_OF_RANGE\] t\.csv:3:/);
  });

  it('a prompt that alone fills --max-model-len is skipped (vLLM rejects it); a long output is clipped', async () => {
    const dir = inDir({ 't.csv': `${CSV}0,100,10\n1000,5000,10\n2000,300,5000\n` });
    const r = await runCli(['replay', 't.csv', '--max-model-len', '4096', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requests.injected).toBe(2);
    expect(r.err).toMatch(/t\.csv:3: input_tokens 5000 alone fill --max-model-len 4096; .*\[TOKENS_EXCEED_MAX_MODEL_LEN\]/);
    expect(r.err).toMatch(/changed: CLIPPED_MAX_MODEL_LEN 1/);
  });

  const otlp = readFileSync(join(root, 'test/fixtures/otlp/vllm-llm_request.jsonl'), 'utf8');
  const spanCases: Array<[string, string, string, RegExp]> = [
    ['a negative prompt token count', '{"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"812"}}', '{"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"-812"}}', /request cmpl-2: input_tokens is -812: negative; .*\[TOKENS_OUT_OF_RANGE\]/],
    ['a negative TTFT', '"gen_ai.latency.time_to_first_token","value":{"doubleValue":0.061}', '"gen_ai.latency.time_to_first_token","value":{"doubleValue":-0.061}', /request cmpl-2: observed TTFT is -61000 µs; expected a duration ≥ 0 \[OBSERVED_OUT_OF_RANGE\]/],
    ['a start time as a negative JSON number', '"startTimeUnixNano":"1751360400250000000"', '"startTimeUnixNano":-1751360400250000000', /span 'llm_request' 0000000000001002: startTimeUnixNano -1751360400250000000; expected whole nanoseconds ≥ 0/],
    ['a start time as a fractional JSON number', '"startTimeUnixNano":"1751360400250000000"', '"startTimeUnixNano":1751360400.25', /span 'llm_request' 0000000000001002: startTimeUnixNano 1751360400.25; expected whole nanoseconds ≥ 0/],
    ['1e23 output tokens', '{"key":"gen_ai.usage.completion_tokens","value":{"intValue":"128"}}', '{"key":"gen_ai.usage.completion_tokens","value":{"intValue":"100000000000000000000000"}}', /request cmpl-2: output_tokens is 1e\+23: more than 16777216 .*\[TOKENS_OUT_OF_RANGE\]/],
  ];
  for (const [name, from, to, message] of spanCases) {
    it(`an OTLP span with ${name} is skipped with its request id; convert writes only valid counts`, async () => {
      const bad = otlp.replace(from, to);
      expect(bad).not.toBe(otlp);
      const dir = inDir({ 'spans.json': bad });
      const r = await runCli(['replay', 'spans.json', '--format', 'otlp', '--output', 'json', '--quiet'], dir);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(message);
      const good = JSON.parse((await runCli(['replay', join(root, 'test/fixtures/otlp/vllm-llm_request.jsonl'), '--format', 'otlp', '--output', 'json', '--quiet'])).out);
      expect(JSON.parse(r.out).requests.injected).toBe(good.requests.injected - 1);
      const c = await runCli(['convert', 'spans.json', '--format', 'otlp', '--to', 'out.csv'], dir);
      expect(c.code, c.err).toBe(0);
      for (const line of readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n').slice(1)) {
        const [, , input, output] = line.split(',');
        for (const n of [Number(input), Number(output)]) expect(Number.isInteger(n) && n >= 0 && n <= 1 << 24).toBe(true);
      }
    });
  }
});

describe('dates and arrival gaps', () => {
  it('impossible dates are rejected per row, not rolled over', async () => {
    const dir = inDir({
      'd.csv': 'ts,p,c\n2023-02-30 10:00:00,10,5\n2023-13-45 00:00:00,10,5\n2023-01-01 25:61:59,10,5\n2023-01-01 10:61:00,10,5\n2024-02-29 10:00:00,10,5\n2024-02-29 10:00:01,10,5\n',
    });
    const r = await runCli(['replay', 'd.csv', '--columns', 'arrival=ts,input=p,output=c', '--time-unit', 'iso', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).requests.injected).toBe(2);
    expect(r.err).toMatch(/d\.csv:2: ts is '2023-02-30 10:00:00': there is no day 30 of 2023-02 \[FIELD_BAD_TIME\]/);
    expect(r.err).toMatch(/d\.csv:3: .*there is no month 13/);
    expect(r.err).toMatch(/d\.csv:4: .*there is no hour 25/);
    expect(r.err).toMatch(/d\.csv:5: .*there is no minute 61/);
  });

  it('an arrival ten years after the rest is reported, and the idle decade costs a handful of events', async () => {
    const dir = inDir({ 'gap.csv': 'ts,p,c\n2023-01-01 10:00:00,100,10\n2023-01-01 10:00:01,100,10\n2033-01-01 10:00:01,100,10\n' });
    const r = await runCli(['replay', 'gap.csv', '--columns', 'arrival=ts,input=p,output=c', '--time-unit', 'iso', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/warning: gap\.csv request r2: arrives 10\.0 years after the previous request \(r1\); a mistyped date\? .*\[ARRIVAL_FAR_GAP\]/);
    const doc = JSON.parse(r.out);
    expect(doc.requests.completed).toBe(3);
    expect(doc.sim.simulated_s).toBeGreaterThan(3e8);
    expect(doc.sim.events).toBeLessThan(200);
  });
});

describe('file-level problems exit 2 with one line', () => {
  it('a directory given as the trace', async () => {
    const r = await runCli(['replay', root, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FILE_IS_DIRECTORY\] .*: is a directory; expected a trace file/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a directory given where a spec file is expected', async () => {
    const r = await runCli(['run', '--workload-spec', root, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a directory; expected a workload spec/);
  });
});

describe('inputs a probe of every command broke (2026-12-07): each now exits 2 naming what is wrong', () => {
  it('convert --epoch-us past 2100 or negative: not a crash in the date writer', async () => {
    const dir = inDir({ 't.csv': `${CSV}0,100,10\n` });
    for (const epoch of ['1000000000000000000000000000000', '-5']) {
      const r = await runCli(['convert', 't.csv', '--to', 'out.trace_header.yaml', '--epoch-us', epoch], dir);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/FLAG_OUT_OF_RANGE.*--epoch-us: found .*; expected a Unix time in microseconds from 0 to 4102444800000000/);
    }
  });

  it('report: a metrics file missing a block or holding a string where a number goes names the field; --out may not be a run it reads', async () => {
    const dir = inDir({});
    const run = await runCli(['run', '--num-requests', '5', '--output', 'json', '--quiet'], dir);
    const doc = JSON.parse(run.out);
    writeFileSync(join(dir, 'ok.json'), run.out);
    writeFileSync(join(dir, 'no-ttft.json'), JSON.stringify({ ...doc, ttft_ms: undefined }));
    writeFileSync(join(dir, 'str.json'), JSON.stringify({ ...doc, e2e_ms: { ...doc.e2e_ms, p99: 'abc' } }));
    const a = await runCli(['report', 'ok.json', 'no-ttft.json', '--out', 'r.html'], dir);
    expect([a.code, a.err]).toEqual([2, expect.stringMatching(/REPORT_NOT_METRICS.*no-ttft\.json: ttft_ms: found nothing; expected the blis\.metrics\/v1 ttft_ms block/)]);
    const b = await runCli(['report', 'str.json', '--out', 'r.html'], dir);
    expect(b.err).toMatch(/str\.json: e2e_ms\.p99: found "abc"; expected a number or null/);
    const c = await runCli(['report', 'ok.json', '--out', 'ok.json'], dir);
    expect([c.code, c.err]).toEqual([2, expect.stringMatching(/OUTPUT_IS_INPUT.*--out: .*ok\.json is one of the runs read/)]);
    expect(JSON.parse(readFileSync(join(dir, 'ok.json'), 'utf8')).schema).toBe('blis.metrics/v1');
    expect((await runCli(['report', 'ok.json', '--out', 'r.html'], dir)).code).toBe(0);
  });

  it('calibrate: --out onto an experiment it reads, no evaluations, a parameter twice, a --start that is not coefficients', async () => {
    const dir = inDir({});
    const exp = join(root, 'baselines/trainval-experiments/67-llama-2-7b-hf-tp1-reasoning-lite-1-1.json');
    const before = readFileSync(exp, 'utf8');
    const out = await runCli(['calibrate', exp, '--out', exp, '--max-evaluations', '1'], dir);
    expect([out.code, out.err]).toEqual([2, expect.stringMatching(/OUTPUT_IS_INPUT.*is an experiment this fit reads/)]);
    expect(readFileSync(exp, 'utf8')).toBe(before);
    expect((await runCli(['calibrate', '--max-evaluations', '0'], dir)).err).toMatch(/--max-evaluations: found 0; expected at least 1/);
    expect((await runCli(['calibrate', '--params', 'step,gemm_us,step'], dir)).err).toMatch(/--params: 'step' is named twice/);
    // --start takes a coefficients file, not any JSON (a metrics file was taken as "no start").
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ schema: 'blis.metrics/v1' }));
    const start = await runCli(['calibrate', '--start', 'm.json'], dir);
    expect([start.code, start.err]).toEqual([2, expect.stringMatching(/COEFFICIENTS_INVALID.*m\.json: schema: found "blis\.metrics\/v1"/)]);
  });

  it('replay and convert: a file whose every row is skipped, or a window that leaves none, exits 2 after the outputs say so', async () => {
    const dir = inDir({ 'cols.csv': `${CSV}0,100,10,junk\n1000,100,10,junk\n` });
    const r = await runCli(['replay', 'cols.csv', '--output', 'json', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).requests.injected).toBe(0);
    expect(r.err).toMatch(/no request to simulate: 2 rows read, 2 skipped, 0 left out on purpose/);
    const c = await runCli(['convert', 'cols.csv', '--to', 'out.csv', '--quiet'], dir);
    expect([c.code, c.err]).toEqual([2, expect.stringMatching(/no request converted: 2 rows read, 2 skipped/)]);
    const w = await runCli(['replay', join(root, 'traces/azure2023-conv.relative.head300.csv'), '--from', '100000', '--quiet'], dir);
    expect([w.code, w.err]).toEqual([2, expect.stringMatching(/300 rows read, 0 skipped, 300 left out on purpose/)]);
  });

  it('a JSON file with a byte order mark reads as JSON; convert names --until, not its output --to', async () => {
    const dir = inDir({});
    writeFileSync(join(dir, 'c.json'), `\ufeff${readFileSync(join(root, 'src/model/coefficients/default.json'), 'utf8')}`);
    const bom = await runCli(['run', '--num-requests', '3', '--latency-coefficients', 'c.json', '--output', 'json', '--quiet'], dir);
    expect(bom.code, bom.err).toBe(0);
    const exp = join(root, 'baselines/trainval-experiments/64-qwen2-5-7b-instruct-tp1-roleplay-1-1.json');
    writeFileSync(join(dir, 'e.json'), `\ufeff${readFileSync(exp, 'utf8')}`);
    const v = await runCli(['validate', 'e.json', '--output', 'json', '--quiet', '--jobs', '1'], dir);
    expect([v.code, JSON.parse(v.out).experiments[0].status]).toEqual([0, 'ok']);
    const w = await runCli(['convert', join(root, 'traces/azure2023-conv.relative.head300.csv'), '--to', 'x.csv', '--from', '100', '--until', '50'], dir);
    expect([w.code, w.err]).toEqual([2, expect.stringMatching(/FLAG_OUT_OF_RANGE\] --until: is 50, expected seconds > --from \(100\)/)]);
  });

  it('instance counts past 100,000 (flag or autoscaler max_replicas) are refused before the router allocates for them', async () => {
    const dir = inDir({});
    const flag = await runCli(['run', '--num-instances', '1000000', '--num-requests', '3', '--quiet'], dir);
    expect([flag.code, flag.err]).toEqual([2, expect.stringMatching(/--num-instances: found 1000000 instances; expected at most 100000/)]);
    writeFileSync(join(dir, 'as.yaml'), readFileSync(join(root, 'examples/autoscaler-policy.yaml'), 'utf8').replace('max_replicas: 8', 'max_replicas: 1.0e+30'));
    const as = await runCli(['run', '--autoscaler-config', 'as.yaml', '--num-requests', '20', '--quiet'], dir);
    expect([as.code, as.err]).toEqual([2, expect.stringMatching(/as\.yaml:26 models\[0\]\.max_replicas: expected an integer > 0 and <= 100000; found 1e\+30/)]);
  });

  it('a KV pool past ten million blocks (a hardware file with 1e30 GB, or the flag) is refused before it is allocated', async () => {
    const dir = inDir({ 'gpu.json': JSON.stringify({ name: 'MyGPU', bf16Tflops: 989.5, hbmTBps: 3.35, memoryGB: 1e30, interconnectGBps: 450, computeCapability: 9.0 }) });
    const hw = await runCli(['run', '--hardware-config', 'gpu.json', '--num-requests', '3', '--quiet'], dir);
    expect([hw.code, hw.err]).toEqual([2, expect.stringMatching(/KV_CAPACITY.*--hardware-config: .* KV blocks per instance derived from MyGPU's .* GiB; expected at most 10000000/)]);
    const flag = await runCli(['run', '--total-kv-blocks', '100000000', '--num-requests', '3', '--quiet'], dir);
    expect([flag.code, flag.err]).toEqual([2, expect.stringMatching(/--total-kv-blocks: 100000000 KV blocks per instance; expected at most 10000000/)]);
  });
});

