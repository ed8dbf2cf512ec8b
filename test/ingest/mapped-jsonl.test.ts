/**
 * A gateway's JSON Lines request log (one object per request, token counts nested under an
 * OpenAI-style `usage`) replayed through `--columns`, as a CSV log is.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { parseColumnMapping } from '../../src/ingest/formats/mapped-csv.js';
import { runCli } from '../cli/helpers.js';

const LOG = [
  '{"timestamp":"2026-03-01T10:00:00.120Z","request_id":"req-1","model":"m","usage":{"prompt_tokens":512,"completion_tokens":128},"latency":{"ttft_s":0.045}}',
  '{"timestamp":"2026-03-01T10:00:00.500Z","request_id":"req-2","usage":{"prompt_tokens":"1024","completion_tokens":64}}',
  '{"timestamp":"2026-03-01T10:00:01.000Z","request_id":"req-3","usage":{"completion_tokens":64}}',
  '{"timestamp":"2026-03-01T10:00:02.000Z","request_id":"req-4","usage.prompt_tokens":7,"usage":{"completion_tokens":1}}',
].join('\n') + '\n';

function inDir(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-jsonl-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

describe('a JSON Lines request log through --columns', () => {
  it('reads nested fields by dotted name, numbers or strings, and names the missing field and its siblings', async () => {
    const dir = inDir('gw.jsonl', LOG);
    const { format, requests, summary } = await readTrace(join(dir, 'gw.jsonl'), {
      columns: parseColumnMapping('arrival=timestamp,input=usage.prompt_tokens,output=usage.completion_tokens,id=request_id,model=model,ttft=latency.ttft_s'),
      timeUnit: 'iso',
    });
    expect(format).toBe('jsonl');
    expect(requests.map((r) => [r.id, r.arrivalUs, r.inputTokens, r.outputTokens])).toEqual([
      ['req-1', 0, 512, 128], ['req-2', 380_000, 1024, 64], ['req-4', 1_880_000, 7, 1],
    ]);
    expect(requests[0]!.model).toBe('m');
    expect(requests[0]!.observed).toEqual({ ttftUs: 45_000 });
    expect(summary.skipped).toEqual({ FIELD_EMPTY: 1 });
    expect(summary.messages).toEqual(['gw.jsonl:3: usage.prompt_tokens is missing; usage has completion_tokens [FIELD_EMPTY]']);
  });

  it('replays from the CLI, and a JSON Lines file forced through the CSV reader says what it looks like', async () => {
    const dir = inDir('gw.jsonl', LOG);
    const cols = ['--columns', 'arrival=timestamp,input=usage.prompt_tokens,output=usage.completion_tokens', '--time-unit', 'iso'];
    const ok = await runCli(['replay', 'gw.jsonl', ...cols, '--output', 'json', '--quiet'], dir);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).requests.injected).toBe(3);
    const forced = await runCli(['replay', 'gw.jsonl', '--format', 'csv', ...cols], dir);
    expect(forced.code).toBe(2);
    expect(forced.err).toContain('[CSV_MALFORMED] gw.jsonl: no CSV header could be read');
    expect(forced.err).not.toContain('is empty');
  });
});

describe('an empty JSON Lines log through --columns', () => {
  it('is EMPTY_INPUT in JSON Lines terms, not "expected a CSV header"', async () => {
    const dir = inDir('gw.jsonl', '\n');
    await expect(readTrace(join(dir, 'gw.jsonl'), { columns: parseColumnMapping('arrival=t,input=i,output=o') }))
      .rejects.toThrow(/gw\.jsonl: is empty: expected JSON Lines/);
  });
});
