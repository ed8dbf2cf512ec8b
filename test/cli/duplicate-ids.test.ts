/**
 * A request id given twice in a file that carries ids: replay and convert keep the rows and warn
 * once with the count, the first repeated id and both lines (blis keys a request's own prompt
 * content by its id, so the repeat changes the simulation); compare, which pools rows into
 * distributions and joins nothing by id, warns the same way naming the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

function inDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-dup-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const DUP_CSV = 'id,arrival_us,input_tokens,output_tokens\na,0,100,10\nb,1000,100,10\na,2000,100,10\nb,3000,100,10\nc,4000,100,10\n';
const DUP_JSONL = ['{"id":"x","arrival_us":0,"input_tokens":10,"output_tokens":5}', '{"id":"y","arrival_us":10,"input_tokens":10,"output_tokens":5}', '{"id":"x","arrival_us":20,"input_tokens":10,"output_tokens":5}'].join('\n') + '\n';
const WARNING = /blis: warning: 2 request\(s\) reuse an earlier request's id; the first: id 'a' at t\.csv:4 \(first at t\.csv:2\)\..*\[DUPLICATE_REQUEST_ID\]/;

describe('replay and convert warn about repeated request ids', () => {
  it('replay keeps every row and warns with the count and the first repeat, --quiet or not', async () => {
    const dir = inDir({ 't.csv': DUP_CSV });
    const r = await runCli(['replay', 't.csv', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(WARNING);
    const doc = JSON.parse(r.out);
    expect(doc.requests.injected).toBe(5);
    expect(doc.config.trace.warnings[0]).toMatch(/DUPLICATE_REQUEST_ID/);
  });

  it('convert warns the same way; a JSONL input names its line', async () => {
    const dir = inDir({ 't.csv': DUP_CSV, 't.jsonl': DUP_JSONL });
    const c = await runCli(['convert', 't.csv', '--to', 'o.jsonl'], dir);
    expect(c.code, c.err).toBe(0);
    expect(c.err).toMatch(WARNING);
    const j = await runCli(['replay', 't.jsonl', '--quiet'], dir);
    expect(j.err).toMatch(/1 request\(s\) reuse an earlier request's id; the first: id 'x' at t\.jsonl:3 \(first at t\.jsonl:1\)/);
  });

  it('a --columns mapping warns when its id column repeats; ids blis numbers itself never do', async () => {
    const dir = inDir({ 'm.csv': 'rid,ts,p,c\nq1,0,10,5\nq1,1,10,5\n', 'n.csv': 'rid,ts,p,c\n,0,10,5\n,1,10,5\n' });
    const mapped = await runCli(['replay', 'm.csv', '--columns', 'arrival=ts,input=p,output=c,id=rid', '--quiet'], dir);
    expect(mapped.err).toMatch(/1 request\(s\) reuse an earlier request's id; the first: id 'q1' at m\.csv:3 \(first at m\.csv:2\)/);
    const numbered = await runCli(['replay', 'n.csv', '--columns', 'arrival=ts,input=p,output=c,id=rid', '--quiet'], dir);
    expect(numbered.code, numbered.err).toBe(0);
    expect(numbered.err).not.toMatch(/DUPLICATE_REQUEST_ID/);
  });

  it('only rows that pass --limit, --until or a window are checked: a repeat that is dropped is no repeat', async () => {
    const dir = inDir({ 't.csv': DUP_CSV });
    for (const flags of [['--limit', '2'], ['--until', '0.0015']]) {
      const r = await runCli(['convert', 't.csv', '--to', 'o.csv', ...flags], dir);
      expect(r.code, r.err).toBe(0);
      expect(r.err, flags.join(' ')).not.toMatch(/DUPLICATE_REQUEST_ID/);
    }
    // Three rows in: a, b, a; the second a passes, so it is one repeat.
    const three = await runCli(['convert', 't.csv', '--to', 'o.csv', '--limit', '3'], dir);
    expect(three.err).toMatch(/1 request\(s\) reuse an earlier request's id; the first: id 'a' at t\.csv:4 \(first at t\.csv:2\)/);
  });

  it('a file whose ids are all different gets no warning', async () => {
    const dir = inDir({ 'u.csv': 'id,arrival_us,input_tokens,output_tokens\na,0,100,10\nb,1000,100,10\n' });
    const r = await runCli(['replay', 'u.csv', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/warning/);
  });
});

describe('compare warns about repeated ids in per-request files', () => {
  const rows = (ids: string[]): string => 'id,arrival_us,status,ttft_us,e2e_us,output_tokens\n' + ids.map((id, i) => `${id},${i * 1000},completed,${100 + i},${900 + i},10`).join('\n') + '\n';

  it('names the file, the count and the first repeated id with both lines, for --sim and --truth', async () => {
    const dir = inDir({ 'sim.csv': rows(['r0', 'r1', 'r0', 'r2']), 'truth.csv': rows(['r0', 'r1', 'r2', 'r2']) });
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--output', 'json'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/blis: warning: \S*sim\.csv: 1 row\(s\) repeat an earlier row's id; the first: id 'r0' at \S*sim\.csv:4 \(first at line 2\)/);
    expect(r.err).toMatch(/blis: warning: \S*truth\.csv: 1 row\(s\) repeat an earlier row's id; the first: id 'r2' at \S*truth\.csv:5 \(first at line 4\)/);
  });

  it('distinct ids: no warning', async () => {
    const dir = inDir({ 'sim.csv': rows(['r0', 'r1', 'r2']), 'truth.csv': rows(['r0', 'r1', 'r2']) });
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--output', 'json'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
  });
});
