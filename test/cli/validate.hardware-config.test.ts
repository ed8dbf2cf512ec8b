/** `blis validate --hardware-config FILE`: experiments on a GPU the catalog does not hold run on the GPU a file describes. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const FIXTURE = 'test/fixtures/validate/small.json';
const FIXTURE_CSV = 'test/fixtures/validate/small.requests.csv';

function experiment(dir: string, id: string, gpu: string): void {
  const j = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  j.id = id;
  j.hardware.gpu = gpu;
  delete j.ground_truth.per_request_file;
  // The KV cache is derived from the GPU's memory, as vLLM's profile does.
  j.vllm.total_kv_blocks_gpu = null;
  writeFileSync(join(dir, `${id}.json`), JSON.stringify(j));
  copyFileSync(FIXTURE_CSV, join(dir, `${id}.requests.csv`));
}

/** An H100 80GB's datasheet figures under another name: a described GPU that must simulate as the catalog's H100 does. */
function h100Twin(dir: string, name: string): string {
  const spec = { name, bf16Tflops: 989.5, fp8Tflops: 1979, hbmTBps: 3.35, memoryGB: 80, interconnectGBps: 450, deviceMemoryGiB: 79.19, pcieGBps: 64, interconnect: 'nvlink', computeCapability: 9.0, hbmAchievedTBps: 3.16, bf16AchievedTflops: 732, fp8AchievedTflops: 1461, source: 'the H100 catalog entry, renamed' };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(spec));
  return join(dir, `${name}.json`);
}

describe('blis validate --hardware-config', () => {
  it('runs an experiment on an uncatalogued GPU as the file describes it, says so, and predicts what the same figures give as a catalogued GPU', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-validate-hw-'));
    experiment(dir, 'catalogued', 'H100');
    experiment(dir, 'described', 'Acme X1');
    const refused = await runCli(['validate', join(dir, 'described.json'), '--jobs', '1', '--output', 'json', '--quiet']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out).experiments[0].error).toMatch(/hardware\.gpu: unknown hardware 'Acme X1'.*or describe the GPU in a file given as blis validate --hardware-config FILE/);

    const hw = mkdtempSync(join(tmpdir(), 'blis-hw-'));
    const r = await runCli(['validate', dir, '--hardware-config', h100Twin(hw, 'acme-x1'), '--jobs', '1', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    const by = (id: string) => doc.experiments.find((e: any) => e.id === id);
    expect(by('described').status).toBe('ok');
    // The name is read as the catalog reads names ('Acme X1' is 'acme-x1'), and the report says which GPU ran.
    expect(by('described').assumptions).toContainEqual(expect.objectContaining({ field: 'hardware.gpu', value: 'acme-x1', kind: 'noted' }));
    // The same figures give the same simulation: every predicted statistic equal to the catalogued H100's.
    expect(by('described').stages.map((s: any) => s.metrics)).toEqual(by('catalogued').stages.map((s: any) => s.metrics));
  });

  it('names a malformed hardware file by its path and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-validate-hw-'));
    experiment(dir, 'x', 'Acme X1');
    const hw = mkdtempSync(join(tmpdir(), 'blis-hw-'));
    writeFileSync(join(hw, 'bad.json'), JSON.stringify({ name: 'Acme X1', bf16Tflops: -1 }));
    const r = await runCli(['validate', dir, '--hardware-config', join(hw, 'bad.json'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: bf16Tflops/);
  });
});
