import { copyFileSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseLoss } from '../../src/validate/calibrate.js';
import { runCli } from './helpers.js';

const FIXTURE = 'test/fixtures/validate/small.json';

describe('blis calibrate', () => {
  it('fits, scores the full runs and writes a coefficients file with provenance that validate accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-'));
    const out = join(dir, 'c.json');
    const r = await runCli(['calibrate', FIXTURE, '--params', 'firstTokenUs', '--max-evaluations', '12', '--fraction', '1', '--jobs', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('in-sample');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.schema).toBe('blis.step-coefficients/v1');
    expect(doc.provenance).toMatchObject({ status: 'fitted', inputs: ['fixture-llama-2-7b-tp1-small'] });
    expect(doc.provenance.objective).toContain('ln(predicted/actual)');
    expect(Object.keys(doc.provenance.per_experiment_error_pct)).toEqual(['fixture-llama-2-7b-tp1-small']);
    expect(doc.entries[0].overheads.firstTokenUs).toBeGreaterThan(0);
    const v = await runCli(['validate', FIXTURE, '--jobs', '1', '--latency-coefficients', out, '--quiet']);
    expect(v.code).toBe(0);
  });

  it('reports the loss blis validate gives the same files with the fitted file, and the search\'s own beside it; names its start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-loss-'));
    const out = join(dir, 'c.json');
    const start = 'src/model/coefficients/default.json';
    const r = await runCli(['calibrate', FIXTURE, '--params', 'step,firstTokenUs', '--start', start, '--max-evaluations', '8', '--fraction', '0.5', '--jobs', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const p = JSON.parse(readFileSync(out, 'utf8')).provenance;
    const v = await runCli(['validate', FIXTURE, '--arrivals', 'trace', '--jobs', '1', '--latency-coefficients', out, '--output', 'json', '--quiet']);
    const validated = caseLoss(JSON.parse(v.out).experiments);
    expect(p.loss.full_runs).toBeCloseTo(validated, 12);
    // Half of each stage in the search: its loss is over those windows, a different number.
    expect(Math.abs(p.loss.search - validated)).toBeGreaterThan(1e-4);
    expect(p.objective).toContain(`loss ${validated.toFixed(4)} on the full runs (${p.loss.search.toFixed(4)} in the search, over its windows)`);
    expect(p.source).toContain(`fitted step, firstTokenUs from ${start}`);
    // Whole runs in the search: the same requests, but the search takes a CSV run's statistics from
    // its rows, while the file's aggregates win in scoring (here its TTFT mean moved by a rounding's worth).
    const j = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    j.ground_truth.summary.ttft.mean = Math.round(j.ground_truth.summary.ttft.mean * 10) / 10 + 0.05;
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ ...j, ground_truth: { ...j.ground_truth, per_request_file: 'r.requests.csv' } }));
    copyFileSync('test/fixtures/validate/small.requests.csv', join(dir, 'r.requests.csv'));
    const w = await runCli(['calibrate', join(dir, 'r.json'), '--params', 'step', '--start', start, '--max-evaluations', '1', '--fraction', '1', '--jobs', '1', '--quiet']);
    const pw = JSON.parse(w.out).provenance;
    expect(pw.loss.search).not.toBe(pw.loss.full_runs);
    expect(pw.objective).toContain(`loss ${pw.loss.full_runs.toFixed(4)} on the full runs (${pw.loss.search.toFixed(4)} in the search, with runs' statistics from their per-request rows, not the file's aggregates)`);
  });

  it('--cv: fits on runs with and without per-request data, holds out each model family, reports per family and records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-cv-'));
    const j = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    // Family 1: the fixture with its per-request CSV. Family 2: the same run as an aggregate-only Qwen2.5-7B file.
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ ...j, ground_truth: { ...j.ground_truth, per_request_file: 'a.requests.csv' } }));
    copyFileSync('test/fixtures/validate/small.requests.csv', join(dir, 'a.requests.csv'));
    const q = { ...j, id: 'qwen-aggregate', model: 'Qwen/Qwen2.5-7B-Instruct' };
    q.ground_truth = { ...j.ground_truth, per_request_file: null };
    for (const b of [q.ground_truth.summary, ...q.ground_truth.stages]) delete b.tpot_from_means;
    writeFileSync(join(dir, 'q.json'), JSON.stringify(q));
    const out = join(dir, 'c.json');
    const r = await runCli(['calibrate', dir, '--cv', '--params', 'firstTokenUs', '--max-evaluations', '6', '--jobs', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('2 runs to fit on (1 with aggregate ground truth only), 2 model families');
    expect(r.err).toMatch(/held-out family\s+n\s+ttft_mean/);
    expect(r.err).toMatch(/qwen\/qwen2\.5-7b-instruct\s+1\s+[+-]\d/);
    const cv = JSON.parse(readFileSync(out, 'utf8')).provenance.cross_validation;
    expect(cv.method).toMatch(/leave-one-model-family-out/);
    expect(Object.keys(cv.families).sort()).toEqual(['meta-llama/llama-2-7b-hf', 'qwen/qwen2.5-7b-instruct']);
    expect(cv.folds.map((f: { held_out: string; trained_on: string[] }) => [f.held_out, f.trained_on])).toEqual([
      ['meta-llama/llama-2-7b-hf', ['qwen/qwen2.5-7b-instruct']],
      ['qwen/qwen2.5-7b-instruct', ['meta-llama/llama-2-7b-hf']],
    ]);
    expect(cv.families['qwen/qwen2.5-7b-instruct'].signed_median_pct.tpot_mean).toEqual(expect.any(Number));
  });

  it('--out onto the per-request CSV of an experiment named as a file is refused before the fit, and the CSV is left whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-out-'));
    copyFileSync(FIXTURE, join(dir, 'small.json'));
    copyFileSync('test/fixtures/validate/small.requests.csv', join(dir, 'small.requests.csv'));
    const before = readFileSync(join(dir, 'small.requests.csv'), 'utf8');
    const r = await runCli(['calibrate', join(dir, 'small.json'), '--params', 'step', '--max-evaluations', '1', '--jobs', '1', '--out', join(dir, 'small.requests.csv')]);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/OUTPUT_IS_INPUT.*--out: .*small\.requests\.csv is a file this fit reads \(an experiment or its per-request CSV\)/)]);
    expect(r.err).not.toContain('fitting');
    expect(readFileSync(join(dir, 'small.requests.csv'), 'utf8')).toBe(before);
  });

  it('an --out that cannot be written, or that is an input through a link, fails before the fit; a new folder is made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-out-early-'));
    copyFileSync(FIXTURE, join(dir, 'small.json'));
    copyFileSync('test/fixtures/validate/small.requests.csv', join(dir, 'small.requests.csv'));
    writeFileSync(join(dir, 'plain.txt'), 'x');
    const args = ['calibrate', join(dir, 'small.json'), '--params', 'step', '--max-evaluations', '1', '--jobs', '1'];
    const bad = await runCli([...args, '--out', join(dir, 'plain.txt', 'c.json')]);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/OUTPUT_UNWRITABLE.*plain\.txt is not a directory/)]);
    expect(bad.err).not.toContain('fitting');
    symlinkSync(join(dir, 'small.requests.csv'), join(dir, 'link.csv'));
    const before = readFileSync(join(dir, 'small.requests.csv'), 'utf8');
    const link = await runCli([...args, '--out', join(dir, 'link.csv')]);
    expect([link.code, link.err]).toEqual([2, expect.stringMatching(/OUTPUT_IS_INPUT.*--out: .*link\.csv is an input of this command \(the same file as .*small\.requests\.csv\)/)]);
    expect(link.err).not.toContain('fitting');
    expect(readFileSync(join(dir, 'small.requests.csv'), 'utf8')).toBe(before);
    const ok = await runCli([...args, '--quiet', '--out', join(dir, 'new', 'c.json')]);
    expect(ok.code, ok.err).toBe(0);
    expect(readdirSync(join(dir, 'new'))).toEqual(['c.json']);
  });

  it('--out onto the --start file is refused before the fit, and the start file is left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-out-start-'));
    copyFileSync('src/model/coefficients/default.json', join(dir, 'c.json'));
    const before = readFileSync(join(dir, 'c.json'), 'utf8');
    const r = await runCli(['calibrate', join(process.cwd(), FIXTURE), '--start', 'c.json', '--params', 'step', '--max-evaluations', '1', '--jobs', '1', '--out', join(dir, 'c.json')], dir);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/OUTPUT_IS_INPUT.*--out: .*c\.json is the --start file this fit starts from/)]);
    expect(readFileSync(join(dir, 'c.json'), 'utf8')).toBe(before);
  });

  it('an empty --params and --jobs 0 are flag errors (exit 2), not an internal error or a silent default', async () => {
    const p = await runCli(['calibrate', FIXTURE, '--params', ' , ', '--max-evaluations', '1', '--jobs', '1']);
    expect([p.code, p.err]).toEqual([2, expect.stringMatching(/FLAG_MALFORMED.*--params: found no parameter name; expected a comma-separated list of step, /)]);
    const j = await runCli(['calibrate', FIXTURE, '--params', 'step', '--max-evaluations', '1', '--jobs', '0']);
    expect([j.code, j.err]).toEqual([2, expect.stringMatching(/FLAG_OUT_OF_RANGE.*--jobs: found 0; expected at least 1/)]);
  });

  it('says which runs it does not fit on; --include-overload adds the excluded_overload ones and no other status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-status-'));
    const j = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const put = (id: string, status: string) => writeFileSync(join(dir, `${id}.json`), JSON.stringify({ ...j, id, status, ground_truth: { ...j.ground_truth, per_request_file: null } }));
    put('a-active', 'active');
    put('b-overload', 'excluded_overload');
    put('c-retired', 'excluded_retired');
    const args = ['calibrate', dir, '--params', 'step', '--max-evaluations', '1', '--jobs', '1'];
    const plain = await runCli(args);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.err).toContain('1 runs to fit on');
    expect(plain.err).toContain('not fitted on (scored only; --include-overload fits on excluded_overload runs too): b-overload (excluded_overload), c-retired (excluded_retired)');
    expect(JSON.parse(plain.out).provenance.inputs).toEqual(['a-active']);
    const incl = await runCli([...args, '--include-overload']);
    expect(incl.err).toContain('2 runs to fit on');
    expect(incl.err).toContain('not fitted on (scored only; --include-overload fits on excluded_overload runs too): c-retired (excluded_retired)');
    const p = JSON.parse(incl.out).provenance;
    expect(p.inputs).toEqual(['a-active', 'b-overload']);
    expect(p.source).toContain('overloaded runs included');
    expect(p.source).not.toContain('experiments read with');
    // A reading of the files that changes the plans is part of the recipe: validate needs it to reproduce the scores.
    const read = await runCli([...args, '--prefix-aliases', 'honoured', '--cpu-offload-size', 'per-gpu']);
    expect(JSON.parse(read.out).provenance.source).toContain('; experiments read with --prefix-aliases honoured --cpu-offload-size per-gpu)');
  });

  it('--start keeps the file\'s basisParams (searched with and written), and warns that its entries for particular models are left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-calibrate-start-'));
    const d = JSON.parse(readFileSync('src/model/coefficients/default.json', 'utf8'));
    d.basisParams = { bandwidthEfficiency: 0.5 };
    d.entries.push({ match: { model: 'qwen2.5-7b' }, coefficients: d.entries[0].coefficients, overheads: d.entries[0].overheads });
    writeFileSync(join(dir, 'start.json'), JSON.stringify(d));
    const out = join(dir, 'c.json');
    const r = await runCli(['calibrate', FIXTURE, '--start', join(dir, 'start.json'), '--params', 'step', '--max-evaluations', '1', '--jobs', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/warning: --start .*start\.json: its 1 entry for particular models \(match with model, hardware or tp\) are left out/);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.basisParams).toEqual({ bandwidthEfficiency: 0.5 });
    // One evaluation from the start: the written file predicts what the start file predicts.
    const pred = async (file: string) => JSON.parse((await runCli(['validate', FIXTURE, '--arrivals', 'trace', '--jobs', '1', '--latency-coefficients', file, '--output', 'json', '--quiet'])).out).experiments[0].stages;
    const d0 = JSON.parse(readFileSync(join(dir, 'start.json'), 'utf8'));
    d0.entries = d0.entries.slice(0, 1);
    writeFileSync(join(dir, 'start-one.json'), JSON.stringify(d0));
    expect(await pred(out)).toEqual(await pred(join(dir, 'start-one.json')));
    expect(await pred(out)).not.toEqual(await pred('src/model/coefficients/default.json'));
  });

  it('--cv over runs of one model family is refused before the fit (no fold could be made)', async () => {
    const r = await runCli(['calibrate', FIXTURE, '--cv', '--params', 'step', '--max-evaluations', '1', '--jobs', '1']);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--cv: the runs to fit on are all of one model family \(meta-llama\/llama-2-7b-hf\); leaving one family out needs runs of at least two/)]);
    expect(r.err).not.toContain('fitting');
    expect(r.out).toBe('');
  });

  it('with --arrivals synthetic every run is cut by --aggregate-fraction, and the record says so; --fraction there is refused', async () => {
    const args = ['calibrate', FIXTURE, '--arrivals', 'synthetic', '--params', 'step', '--max-evaluations', '1', '--jobs', '1'];
    const f = await runCli([...args, '--fraction', '0.5']);
    expect([f.code, f.err]).toEqual([2, expect.stringMatching(/FLAG_CONFLICT.*--fraction: applies to runs replayed at their recorded arrivals; with --arrivals synthetic/)]);
    const a = await runCli([...args, '--aggregate-fraction', '0.5']);
    expect(a.code, a.err).toBe(0);
    const says = 'search on 50% of each stage of runs (synthetic arrivals: each against its whole-stage statistics)';
    expect(a.err).toContain(says);
    expect(JSON.parse(a.out).provenance.source).toContain(says);
  });

  it('rejects an unknown parameter name with the list of known ones (exit 2)', async () => {
    const r = await runCli(['calibrate', FIXTURE, '--params', 'warp_factor']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown parameter 'warp_factor'");
    expect(r.err).toContain('firstTokenSteps');
  });
});
