import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const FIXTURE = 'test/fixtures/validate/small.json';
const FIXTURE_CSV = 'test/fixtures/validate/small.requests.csv';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'blis-validate-'));
}

/** A copy of the small fixture experiment (id `id`) with `edit` applied, and its CSV beside it. */
function experiment(dir: string, id: string, edit: (j: Record<string, any>) => void = () => {}): string {
  const j = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  j.id = id;
  delete j.ground_truth.per_request_file;
  edit(j);
  writeFileSync(join(dir, `${id}.json`), JSON.stringify(j));
  copyFileSync(FIXTURE_CSV, join(dir, `${id}.requests.csv`));
  return join(dir, `${id}.json`);
}

/** A coefficients file: the roofline with GEMMs `gemm`× slower and `firstTokenUs` of API overhead. */
function coefficients(dir: string, name: string, gemm: number, firstTokenUs: number): string {
  const doc = {
    schema: 'blis.step-coefficients/v1',
    provenance: { status: 'test', source: 'hand-made', date: '2026-11-24', inputs: [], objective: 'none' },
    entries: [{ match: {}, coefficients: { step: 600, gemm_us: gemm, attn_prefill_us: 1, attn_decode_us: 1, lm_head_us: gemm, allreduce_us: 1, requests: 10 }, overheads: { firstTokenUs } }],
  };
  writeFileSync(join(dir, name), JSON.stringify(doc));
  return join(dir, name);
}

describe('blis validate', () => {
  it('simulates an experiment end to end and writes report.md, report.html, junit.xml and validation.json', async () => {
    const out = tmp();
    const r = await runCli(['validate', FIXTURE, '--jobs', '1', '--latency-model', 'roofline', '--report-dir', out]);
    expect(r.code).toBe(0);
    for (const f of ['report.md', 'report.html', 'junit.xml', 'validation.json']) expect(existsSync(join(out, f))).toBe(true);
    const doc = JSON.parse(readFileSync(join(out, 'validation.json'), 'utf8'));
    expect(doc.schema).toBe('blis.validation/v1');
    expect(doc.experiments[0]).toMatchObject({ id: 'fixture-llama-2-7b-tp1-small', status: 'ok' });
    expect(doc.summary.ttft_mean.n).toBe(1);
    expect(r.out).toMatch(/ttft_mean\s+\d/);
    expect(r.out).toContain('not gated (no --baseline)');
    expect(r.out).not.toContain('gate passed');
    expect(r.err).toContain('synthetic arrivals');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('fixture-llama-2-7b-tp1-small');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
  });

  it('--output json prints validation.json; --arrivals trace replays the recorded arrivals', async () => {
    const syn = await runCli(['validate', FIXTURE, '--jobs', '1', '--output', 'json', '--quiet']);
    const tr = await runCli(['validate', FIXTURE, '--jobs', '1', '--output', 'json', '--quiet', '--arrivals', 'trace']);
    expect(syn.code).toBe(0);
    expect(tr.code).toBe(0);
    const a = JSON.parse(syn.out);
    const b = JSON.parse(tr.out);
    expect(a.experiments[0].status).toBe('ok');
    expect(a.experiments[0].stages.find((s: any) => s.index === 'summary').metrics.ttft_mean.predicted).not.toBe(b.experiments[0].stages.find((s: any) => s.index === 'summary').metrics.ttft_mean.predicted);
  });

  it('simulates in worker threads (--jobs 2) with the same result as in process', async () => {
    const dir = tmp();
    experiment(dir, 'a');
    experiment(dir, 'b');
    const inProc = await runCli(['validate', dir, '--jobs', '1', '--output', 'json', '--quiet']);
    const workers = await runCli(['validate', dir, '--jobs', '2', '--output', 'json', '--quiet']);
    expect(workers.code).toBe(0);
    expect(JSON.parse(workers.out)).toEqual(JSON.parse(inProc.out));
  });

  it('gate: --update-baseline writes limits that the same run passes and a deliberately worse coefficient file fails (exit 1, names the metric)', async () => {
    const dir = tmp();
    const good = coefficients(dir, 'good.json', 1, 15000);
    const bad = coefficients(dir, 'bad.json', 2.5, 0);
    const baseline = join(dir, 'baseline.json');
    const w = await runCli(['validate', FIXTURE, '--jobs', '1', '--latency-coefficients', good, '--baseline', baseline, '--update-baseline', '--quiet']);
    expect(w.code).toBe(0);
    expect(JSON.parse(readFileSync(baseline, 'utf8')).schema).toBe('blis.baseline/v1');
    const pass = await runCli(['validate', FIXTURE, '--jobs', '1', '--latency-coefficients', good, '--baseline', baseline, '--quiet']);
    expect(pass.code).toBe(0);
    expect(pass.out).toContain('gate passed');
    const fail = await runCli(['validate', FIXTURE, '--jobs', '1', '--latency-coefficients', bad, '--baseline', baseline, '--quiet']);
    expect(fail.code).toBe(1);
    expect(fail.err).toMatch(/gate failed: .*e2e_mean MAPE [\d.]+% > limit [\d.]+%/);
    expect(fail.err).toMatch(/tpot_mean/);
  });

  it('bad input: each broken experiment is an error naming its file and field; the others still run; exit 2', async () => {
    const dir = tmp();
    experiment(dir, 'good');
    experiment(dir, 'no-model', (j) => { delete j.model; });
    experiment(dir, 'no-stage-metrics', (j) => { j.ground_truth.stages[0] = { requests_sent: 20 }; });
    experiment(dir, 'unknown-model', (j) => { j.model = 'acme/unknown-9b'; delete j.hf_config; });
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    experiment(dir, 'bad-truth', (j) => { j.ground_truth.summary.e2e.p90 = -1; });
    const r = await runCli(['validate', dir, '--jobs', '1', '--output', 'json', '--quiet']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out);
    const by = (id: string) => doc.experiments.find((e: any) => e.id === id);
    expect(by('bad-truth')).toMatchObject({ status: 'error', error_code: 'EXPERIMENT_BAD_TRUTH' });
    expect(r.err).toMatch(/bad-truth\.json: ground_truth\.summary\.e2e\.p90: found -1; expected a positive number/);
    expect(by('good').status).toBe('ok');
    expect(by('no-model')).toMatchObject({ status: 'error' });
    expect(by('no-model').error).toMatch(/no-model\.json.*model/);
    expect(by('no-stage-metrics').error).toMatch(/no-stage-metrics\.json.*stages\[0\]/);
    expect(by('unknown-model').error).toMatch(/unknown-model\.json.*(model|hf_config)/);
    expect(by('broken').error).toMatch(/broken\.json.*JSON/);
    expect(r.err).toMatch(/5 experiment files could not be used/);
  });

  it("what the file states and the simulator cannot take is the file's error, named by its field, before any simulation; exit 2", async () => {
    const dir = tmp();
    experiment(dir, 'good');
    experiment(dir, 'gpu', (j) => { j.hardware.gpu = 'L40'; });
    experiment(dir, 'tp', (j) => { j.tp = 3; });
    experiment(dir, 'no-room', (j) => { j.hardware.gpu = 'A100-40GB'; j.vllm.gpu_memory_utilization = 0.3; j.vllm.total_kv_blocks_gpu = null; });
    experiment(dir, 'mamba', (j) => { j.model = 'acme/hybrid-8b'; j.hf_config = { ...j.hf_config, model_type: 'nemotron_h', hybrid_override_pattern: 'M-M*-M-' }; });
    const r = await runCli(['validate', dir, '--jobs', '1', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(2);
    const doc = JSON.parse(r.out);
    const by = (id: string) => doc.experiments.find((e: any) => e.id === id);
    expect(by('good').status).toBe('ok');
    expect(by('gpu')).toMatchObject({ status: 'error', error_code: 'UNKNOWN_HARDWARE' });
    expect(by('gpu').error).toMatch(/^gpu\.json: hardware\.gpu: unknown hardware 'L40'; did you mean l40s.*spell hardware\.gpu as one of them \(`blis hardware` lists/);
    expect(by('tp').error).toMatch(/^tp\.json: tp: tensor parallel size 3 does not divide/);
    expect(by('no-room')).toMatchObject({ status: 'error', error_code: 'KV_CAPACITY' });
    expect(by('no-room').error).toMatch(/^no-room\.json: vllm\.gpu_memory_utilization: .* does not fit on A100-40: .*; a GPU memory utilisation of 0\.\d+ would leave room at TP \d+/);
    expect(by('mamba')).toMatchObject({ status: 'error', error_code: 'MODEL_UNSUPPORTED_LAYERS' });
    expect(by('mamba').error).toMatch(/^mamba\.json: hf_config: hybrid_override_pattern: 3 Mamba layers/);
    // Named the file's way, never as a flag of `blis run`.
    for (const id of ['gpu', 'tp', 'no-room', 'mamba']) expect(by(id).error.replace('blis validate --hardware-config', '')).not.toMatch(/ --[a-z]/);
    expect(r.err).toMatch(/4 experiment files could not be used/);
  });

  it("an experiment's per-request CSV named beside it (a shell glob names both) is read with it, once; named alone it stands for its experiment", async () => {
    const both = await runCli(['validate', FIXTURE_CSV, FIXTURE, '--output', 'json']);
    expect(both.code, both.err).toBe(0);
    expect(JSON.parse(both.out).experiments.map((e: any) => e.file)).toEqual(['small.json']);
    expect(both.err).toMatch(/read with its experiment \(per-request ground truth\): \S*test\/fixtures\/validate\/small\.requests\.csv\n/);
    const alone = await runCli(['validate', FIXTURE_CSV, '--output', 'json', '--arrivals', 'trace']);
    expect(alone.code, alone.err).toBe(0);
    expect(JSON.parse(alone.out).experiments.map((e: any) => [e.file, e.status])).toEqual([['small.json', 'ok']]);
    // A CSV with no experiment beside it is still an error that names it.
    const dir = tmp();
    copyFileSync(FIXTURE_CSV, join(dir, 'orphan.requests.csv'));
    const orphan = await runCli(['validate', join(dir, 'orphan.requests.csv')]);
    expect(orphan.code).toBe(2);
    expect(orphan.err).toContain('orphan.requests.csv: not valid JSON');
  });

  it('exits 2 for an unreadable coefficients file and an unknown latency model', async () => {
    const a = await runCli(['validate', FIXTURE, '--latency-coefficients', 'nope.json']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('nope.json');
    const b = await runCli(['validate', FIXTURE, '--latency-model', 'magic']);
    expect(b.code).toBe(2);
    expect(b.err).toContain("unknown step-time model 'magic'");
  });
});

describe('blis validate on the trainval set (sparse files)', () => {
  it('every trainval file simulates from a shell glob (index.json and competitors.json recognised), with what was derived or assumed in the report', async () => {
    const dir = 'baselines/trainval-experiments';
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
    expect(files).toHaveLength(14);
    const out = tmp();
    const r = await runCli(['validate', ...files, '--report-dir', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('not an experiment (a set\'s index.json)');
    const doc = JSON.parse(readFileSync(join(out, 'validation.json'), 'utf8'));
    expect(doc.experiments).toHaveLength(12);
    expect(doc.experiments.every((e: any) => e.status === 'ok')).toBe(true);
    expect(doc.summary.tpot_mean.n).toBe(12);
    expect(doc.gate).toMatchObject({ passed: true, gated: false });
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Derived and assumed values');
    expect(md).toMatch(/vllm\.max_model_len = 32768 \(derived: vLLM's default/);
    expect(md).toMatch(/workload\.shared_prefix = "10 × 10" \(assumed:/);
    expect(md).toContain('blis-evolved'); // the set's competitors.json, named as a file
  });
});

describe('blis validate: the trainval gate (baselines/trainval.json)', () => {
  // A run the shipped model predicts within 6% on every metric, so that it alone meets the set's median limits.
  const LLAMA70 = 'baselines/trainval-experiments/60-llama-3-1-70b-tp4-general-lite-4-1.json';
  /** The shipped coefficients with GEMMs 20× slower: one Llama-3.1-70B TP4 instance at 6 req/s cannot keep up. */
  function overloading(dir: string): string {
    const doc = JSON.parse(readFileSync('src/model/coefficients/default.json', 'utf8'));
    for (const e of doc.entries) {
      e.coefficients.gemm_us *= 20;
      e.coefficients.lm_head_us *= 20;
    }
    writeFileSync(join(dir, 'overload.json'), JSON.stringify(doc));
    return join(dir, 'overload.json');
  }

  it('passes today; a run real vLLM served that the model predicts overloaded fails by name', async () => {
    const ok = await runCli(['validate', LLAMA70, '--baseline', 'baselines/trainval.json', '--quiet']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^gate passed$/m); // stdout is the summary, --quiet or not
    const dir = tmp();
    const bad = await runCli(['validate', LLAMA70, '--baseline', 'baselines/trainval.json', '--latency-coefficients', overloading(dir), '--output', 'json', '--quiet']);
    expect(bad.code).toBe(1);
    const served = JSON.parse(bad.out).gate.failures.filter((f: any) => f.check === 'served');
    expect(served.map((f: any) => f.metric)).toEqual(['failed_requests', 'ttft_p99']);
    expect(served[0].reason).toMatch(/predicted overloaded: \d+ of 5100 requests fail the client timeout; real vLLM served the run/);
  });

  it('--update-baseline keeps the hand-set limits and refuses to write a ratchet from a run that breaks them', async () => {
    const dir = tmp();
    const path = join(dir, 'b.json');
    copyFileSync('baselines/trainval.json', path);
    const before = readFileSync(path, 'utf8');
    const refused = await runCli(['validate', LLAMA70, '--baseline', path, '--update-baseline', '--latency-coefficients', overloading(dir), '--quiet']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/baseline not written: the run breaks the baseline's absolute limits: .*median MAPE/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    const written = await runCli(['validate', LLAMA70, '--baseline', path, '--update-baseline', '--quiet']);
    expect(written.code, written.err).toBe(0);
    const b = JSON.parse(readFileSync(path, 'utf8'));
    expect(b.limits).toEqual(JSON.parse(before).limits);
    expect(Object.keys(b.experiments)).toEqual(['60-llama-3-1-70b-tp4-general-lite-4-1']);
  });
});

describe('blis validate on the calibration set', () => {
  it('the shipped baseline fails a deliberately worse coefficient file (GEMMs 10% slower): exit 1 naming the metric', async () => {
    const dir = tmp();
    const doc = JSON.parse(readFileSync('src/model/coefficients/default.json', 'utf8'));
    const c = doc.entries[0].coefficients;
    c.gemm_us *= 1.1;
    c.lm_head_us *= 1.1;
    writeFileSync(join(dir, 'worse.json'), JSON.stringify(doc));
    const r = await runCli(['validate', '--latency-coefficients', join(dir, 'worse.json'), '--baseline', 'baselines/calibration.json', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/gate failed: ttft_mean MAPE [\d.]+% > limit [\d.]+%/);
  });
});
