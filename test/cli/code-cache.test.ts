/**
 * The CLI loader (src/cli/code-cache.node.ts, built to dist/cli/code-cache.cjs for bin/blis.js): a
 * bundle runs the same whether its code comes from V8's code cache or is compiled afresh; the cache
 * is written only after a fresh compile and only by a process allowed to; a cache made for another
 * bundle (even one of the same length, which V8 itself would accept) or one V8 rejects (corrupt
 * bytes, or made by another V8: a machine's Node upgraded from 20 to 22 or 24, or started with
 * other V8 flags) is not used, and is replaced without a word on stderr.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mayWriteCache } from '../../src/cli/code-cache.node.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A bundle shaped like dist/cli/blis.cjs: CommonJS exports, a require of a built-in, __filename. */
function bundle(factor = 2): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-code-cache-'));
  dirs.push(dir);
  const file = join(dir, 'cli.cjs');
  writeFileSync(file, `const { basename } = require('node:path');
exports.run = async (argv) => basename(__filename) + ' ' + argv.length * ${factor};
`);
  return file;
}

/**
 * Loads `file` in a process of its own through the built loader (V8 keeps compiled scripts per
 * process, so a second load in one process would not read the cache at all), runs it, and saves
 * the cache when `write`.
 */
function load(file: string, write: boolean, argv: string[] = [], nodeFlags: string[] = []): { compiled: string; result: string } {
  const loader = `
const { loadCli } = require(${JSON.stringify(join(process.cwd(), 'dist/cli/code-cache.cjs'))});
const [file, write, ...argv] = process.argv.slice(1);
const l = loadCli(file, write === 'write');
l.cli.run(argv).then((result) => { l.saveCache(); process.stdout.write(JSON.stringify({ compiled: l.compiled, result })); });
`;
  const r = spawnSync(process.execPath, [...nodeFlags, '-e', loader, file, write ? 'write' : 'no', ...argv], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  // A rejected cache is a silent recompile: no warning, whatever Node wrote it.
  if (r.status !== 0 || r.stderr !== '') throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { compiled: string; result: string };
}

describe('loadCli', () => {
  it('compiles afresh without a cache, writes one, and the next process uses it with the same behaviour', () => {
    const file = bundle();
    expect(load(file, false, ['a'])).toEqual({ compiled: 'fresh', result: 'cli.cjs 2' });
    expect(existsSync(`${file}.cache`)).toBe(false);
    expect(load(file, true, ['a', 'b', 'c'])).toEqual({ compiled: 'fresh', result: 'cli.cjs 6' });
    const written = readFileSync(`${file}.cache`);
    expect(written.toString('utf8', 0, written.indexOf(10))).toMatch(/^blis-code-cache \d+ [\d.]+$/);
    // require and __filename are the bundle's own whether compiled or cached.
    expect(load(file, true, ['a', 'b'])).toEqual({ compiled: 'cached', result: 'cli.cjs 4' });
    expect(readFileSync(`${file}.cache`).equals(written)).toBe(true); // a cached load leaves the file alone
    expect(readdirSync(join(file, '..')).sort()).toEqual(['cli.cjs', 'cli.cjs.cache']); // no temporary left
  });

  it('does not use a cache V8 rejects (corrupt bytes under the right first line), and replaces it', () => {
    const file = bundle();
    load(file, true);
    const good = readFileSync(`${file}.cache`);
    writeFileSync(`${file}.cache`, Buffer.concat([good.subarray(0, good.indexOf(10) + 1), Buffer.from('corrupt bytes')]));
    expect(load(file, true, ['a'])).toEqual({ compiled: 'fresh', result: 'cli.cjs 2' });
    expect(load(file, false, ['a'])).toEqual({ compiled: 'cached', result: 'cli.cjs 2' });
    writeFileSync(`${file}.cache`, Buffer.from('no first line at all'));
    expect(load(file, false).compiled).toBe('fresh');
  });

  it('does not use a cache another V8 made (other version or flags), and replaces it', () => {
    const file = bundle();
    // V8's cached data starts with 32-bit words: magic number, then V8's version hash (the same
    // layout in Node 20, 22 and 24). Another version hash is what Node 20 finds after Node 22 ran.
    load(file, true);
    const good = readFileSync(`${file}.cache`);
    const foreign = Buffer.from(good);
    foreign.writeUInt32LE(~foreign.readUInt32LE(good.indexOf(10) + 5) >>> 0, good.indexOf(10) + 5);
    writeFileSync(`${file}.cache`, foreign);
    expect(load(file, true, ['a'])).toEqual({ compiled: 'fresh', result: 'cli.cjs 2' });
    expect(load(file, false, ['a'])).toEqual({ compiled: 'cached', result: 'cli.cjs 2' });
    // Written (the loader told it may) by a process whose V8 flags differ: V8's flag hash rejects it.
    writeFileSync(`${file}.cache`, Buffer.from('stale'));
    expect(load(file, true, [], ['--stack-size=2000']).compiled).toBe('fresh');
    expect(load(file, true, ['a'])).toEqual({ compiled: 'fresh', result: 'cli.cjs 2' });
    expect(load(file, false, ['a'])).toEqual({ compiled: 'cached', result: 'cli.cjs 2' });
  });

  it('does not use a cache made for another bundle of the same length', () => {
    const file = bundle(2);
    load(file, true);
    const other = bundle(3);
    expect(readFileSync(other).length).toBe(readFileSync(file).length);
    utimesSync(other, 1_000_000, 1_000_000); // written later, as a rebuild is (not within one file-system tick)
    writeFileSync(`${other}.cache`, readFileSync(`${file}.cache`));
    expect(load(other, true, ['a'])).toEqual({ compiled: 'fresh', result: 'cli.cjs 3' }); // its own code
    expect(load(other, false, ['a'])).toEqual({ compiled: 'cached', result: 'cli.cjs 3' });
  });

  it('does not write when the process may not', () => {
    const file = bundle();
    load(file, false);
    expect(existsSync(`${file}.cache`)).toBe(false);
  });
});

describe('mayWriteCache', () => {
  it('only for a process started without Node or V8 flags (V8 records its flags in the cache)', () => {
    expect(mayWriteCache([], {})).toBe(true);
    expect(mayWriteCache([], { NODE_OPTIONS: '  ' })).toBe(true);
    expect(mayWriteCache(['--cpu-prof'], {})).toBe(false);
    expect(mayWriteCache([], { NODE_OPTIONS: '--max-old-space-size=4096' })).toBe(false);
  });
});
