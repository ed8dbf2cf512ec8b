/** A model and a GPU outside the catalogs, built through the library as --model-config and --hardware-config build them. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hardwareFromConfig, modelFromConfig, simulate } from '../../src/index.js';
import { runCli } from '../cli/helpers.js';

const configPath = 'test/fixtures/model/qwen3-32b/config.json';
const gpu = { name: 'X1', bf16Tflops: 400, hbmTBps: 2, memoryGB: 96, interconnectGBps: 300 };

describe('modelFromConfig, hardwareFromConfig', () => {
  it('simulate with them gives the metrics blis run --model-config --hardware-config gives', async () => {
    const modelSpec = modelFromConfig(JSON.parse(readFileSync(configPath, 'utf8')), 'qwen/qwen3-32b');
    const hardwareSpec = hardwareFromConfig(gpu);
    const { metrics } = await simulate({ modelSpec, hardwareSpec, tp: 2, preset: 'chatbot', rate: 5, numRequests: 40, seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'blis-hw-'));
    const hwFile = join(dir, 'x1.json');
    writeFileSync(hwFile, JSON.stringify(gpu));
    const cli = JSON.parse((await runCli(['run', '--model', 'qwen/qwen3-32b', '--model-config', configPath, '--hardware-config', hwFile, '--tp', '2',
      '--workload', 'chatbot', '--rate', '5', '--num-requests', '40', '--seed', '3', '--output', 'json', '--quiet'])).out);
    rmSync(dir, { recursive: true, force: true });
    for (const k of ['requests', 'ttft_ms', 'e2e_ms', 'kv'] as const) expect(metrics[k]).toEqual(cli[k]);
  });

  it('a bad document names the model or the field', () => {
    expect(() => modelFromConfig('not json', 'org/m')).toThrow(expect.objectContaining({ code: 'MODEL_CONFIG_INVALID', where: 'org/m' }));
    expect(() => hardwareFromConfig({ ...gpu, hbmTbps: 2 })).toThrow(expect.objectContaining({ code: 'HARDWARE_CONFIG_FIELD', message: expect.stringContaining('did you mean hbmTBps') }));
  });
});
