/** The records simulate() streams can be written as the CLI's --requests-out lines, valid against the shipped schema. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { recordCsvHeader, recordCsvLine, recordJsonLine, schemaPath, simulate } from '../../src/index.js';
import { runCli } from '../cli/helpers.js';

const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module.default }).default ?? Ajv2020Module;

describe('request records through the library', () => {
  it('recordJsonLine and recordCsvLine write what blis run --requests-out writes, and JSONL lines match the request-record schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-records-'));
    try {
      let jsonl = '';
      let csv = recordCsvHeader();
      await simulate({ model: 'qwen/qwen3-14b', numInstances: 2, preset: 'chatbot', rate: 20, numRequests: 80, clientTimeoutS: 1, seed: 5, onRecord: (r, req) => { jsonl += recordJsonLine(r, req); csv += recordCsvLine(r, req); } });
      const flags = ['run', '--model', 'qwen/qwen3-14b', '--num-instances', '2', '--workload', 'chatbot', '--rate', '20', '--num-requests', '80', '--client-timeout', '1', '--seed', '5', '--quiet'];
      await runCli([...flags, '--requests-out', join(dir, 'r.jsonl')]);
      await runCli([...flags, '--requests-out', join(dir, 'r.csv')]);
      expect(jsonl).toBe(readFileSync(join(dir, 'r.jsonl'), 'utf8'));
      expect(csv).toBe(readFileSync(join(dir, 'r.csv'), 'utf8'));
      const valid = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(schemaPath('request-record'), 'utf8')));
      const lines = jsonl.trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(lines).toHaveLength(80);
      for (const line of lines) expect(valid(line), JSON.stringify(valid.errors)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
