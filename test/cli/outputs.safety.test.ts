/**
 * No command loses or clobbers data: an output that is an input is refused before anything is
 * opened, an unwritable output is found before the run (exit 2, the path in the message), and
 * outputs appear only complete (temporary file + rename), never half-written.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const BURST = join(root, 'traces', 'burstgpt1-rows0001-0200.csv');

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-out-'));
  copyFileSync(BURST, join(dir, 't.csv'));
  return dir;
}
const original = readFileSync(BURST, 'utf8');
/** Leftover temporary files (hidden `.blis-*` siblings). */
const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('.blis-'));

describe('an output that is an input is refused before anything is opened', () => {
  it('convert t.csv --to t.csv: exit 2, the input intact', async () => {
    const dir = scratch();
    const r = await runCli(['convert', 't.csv', '--to', 't.csv'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[OUTPUT_IS_INPUT\] --to: .*t\.csv is an input of this command/);
    expect(readFileSync(join(dir, 't.csv'), 'utf8')).toBe(original);
  });

  it('replay t.csv --requests-out t.csv, through a symlink and through a hard link', async () => {
    const dir = scratch();
    symlinkSync('t.csv', join(dir, 'sym.csv'));
    linkSync(join(dir, 't.csv'), join(dir, 'hard.csv'));
    for (const out of ['t.csv', 'sym.csv', 'hard.csv']) {
      const r = await runCli(['replay', 't.csv', '--requests-out', out, '--quiet'], dir);
      expect(r.code, out).toBe(2);
      expect(r.err).toMatch(/\[OUTPUT_IS_INPUT\] --requests-out/);
      expect(r.err).not.toMatch(/reading/);
    }
    expect(readFileSync(join(dir, 't.csv'), 'utf8')).toBe(original);
  });

  it('the sibling of a TraceV2 input is an input too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-out-'));
    for (const f of ['tracev2-example.trace_header.yaml', 'tracev2-example.trace_data.csv']) copyFileSync(join(root, 'traces', f), join(dir, f));
    const header = readFileSync(join(dir, 'tracev2-example.trace_header.yaml'), 'utf8');
    const r = await runCli(['replay', 'tracev2-example.trace_data.csv', '--metrics-out', 'tracev2-example.trace_header.yaml', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/OUTPUT_IS_INPUT/);
    expect(readFileSync(join(dir, 'tracev2-example.trace_header.yaml'), 'utf8')).toBe(header);
  });

  it('a workload spec named as --metrics-out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-out-'));
    const spec = readFileSync(join(root, 'examples', 'workload-multi-client.yaml'), 'utf8');
    writeFileSync(join(dir, 'spec.yaml'), spec);
    const r = await runCli(['run', '--workload-spec', 'spec.yaml', '--metrics-out', 'spec.yaml', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[OUTPUT_IS_INPUT\] --metrics-out/);
    expect(readFileSync(join(dir, 'spec.yaml'), 'utf8')).toBe(spec);
  });

  it('a --requests-out name whose extension is neither .csv nor .jsonl is refused before the run, not written as CSV', async () => {
    const dir = scratch();
    const r = await runCli(['replay', 't.csv', '--requests-out', 'rows.txt', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_OUT_OF_RANGE\] --requests-out: 'rows\.txt': expected a \.csv or \.jsonl file name/);
    expect(existsSync(join(dir, 'rows.txt'))).toBe(false);
    // .json is JSON Lines, as --otlp-out's; a name without an extension is CSV.
    expect((await runCli(['replay', 't.csv', '--requests-out', 'rows.json', '--quiet'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'rows.json'), 'utf8')).toMatch(/^\{"id":/);
    expect((await runCli(['replay', 't.csv', '--requests-out', 'rows', '--quiet'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'rows'), 'utf8')).toMatch(/^id,arrival_us,/);
  });

  it('two outputs naming the same file', async () => {
    const dir = scratch();
    const r = await runCli(['replay', 't.csv', '--metrics-out', 'm.json', '--requests-out', './m.json', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[OUTPUT_TWICE\] --requests-out/);
  });
});

describe('an unwritable output is found before the run, with its path', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['convert into a missing directory', ['convert', 't.csv', '--to', '/no/such/dir/x.csv'], /--to: cannot write \/no\/such\/dir\/x\.csv: the directory does not exist/],
    ['--metrics-out under /proc (no loop)', ['replay', 't.csv', '--metrics-out', '/proc/blis-test/m.json'], /--metrics-out: cannot write \/proc\/blis-test\/m\.json/],
    ['--requests-out naming a directory', ['replay', 't.csv', '--requests-out', '.'], /--requests-out: .* is a directory/],
    ['--otlp-out into a missing directory', ['replay', 't.csv', '--otlp-out', 'nope/x.pb'], /--otlp-out: cannot write .*nope\/x\.pb/],
    ['--timeline-out into a missing directory', ['run', '--workload-spec', join(root, 'examples/autoscale-diurnal.yaml'), '--autoscaler-config', join(root, 'examples/autoscaler-policy.yaml'), '--timeline-out', 'nope/t.csv'], /--timeline-out: cannot write/],
  ];
  for (const [name, argv, message] of cases) {
    it(`${name}: exit 2 before reading or simulating`, async () => {
      const dir = scratch();
      const r = await runCli([...argv, '--quiet'], dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/\[OUTPUT_UNWRITABLE\]/);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/reading|requests from/);
      expect(existsSync(join(dir, 'nope'))).toBe(false);
      expect(temps(dir)).toEqual([]);
    });
  }

  it('--otlp-out with no known extension names the file given, before reading, and leaves no temporary file', async () => {
    const dir = scratch();
    const r = await runCli(['replay', 't.csv', '--otlp-out', 'spans.txt', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_BAD_VALUE\] --otlp-out: '[^']*\/spans\.txt' has no known extension/);
    expect(r.err).not.toMatch(/\.blis-|reading|requests from/);
    expect(temps(dir)).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/full'))('a write that fails midway (disk full) is exit 2 naming the file', async () => {
    const dir = scratch();
    const r = await runCli(['replay', 't.csv', '--metrics-out', '/dev/full', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[OUTPUT_WRITE_FAILED\] \/dev\/full: cannot write: ENOSPC/);
  });
});

describe('outputs appear whole or not at all', () => {
  it('a successful run writes every output and leaves no temporary file', async () => {
    const dir = scratch();
    const r = await runCli(['replay', 't.csv', '--metrics-out', 'm.json', '--requests-out', 'r.jsonl', '--otlp-out', 's.json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).requests.injected).toBe(191);
    expect(readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n')).toHaveLength(191);
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toMatch(/^\{"resourceSpans"/);
    expect(temps(dir)).toEqual([]);
  });

  it('a failed run leaves the previous outputs as they were', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(join(dir, 'm.json'), 'previous\n');
    const r = await runCli(['replay', 'empty.csv', '--metrics-out', 'm.json', '--requests-out', 'r.csv', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(readFileSync(join(dir, 'm.json'), 'utf8')).toBe('previous\n');
    expect(existsSync(join(dir, 'r.csv'))).toBe(false);
    expect(temps(dir)).toEqual([]);
  });

  it('an interrupted run (SIGINT) leaves the previous file and removes its temporary one', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'r.csv'), 'previous\n');
    const child = spawn(join(root, 'blis'), ['run', '--num-requests', '400000', '--rate', '400', '--num-instances', '8', '--requests-out', 'r.csv', '--quiet'], { cwd: dir, stdio: 'ignore' });
    // Wait until the run is under way (its temporary file exists), then interrupt it.
    while (temps(dir).length === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const signal = await new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
    expect(signal).toBe('SIGINT');
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toBe('previous\n');
    expect(temps(dir)).toEqual([]);
  }, 60_000);
});

describe('the interrupt listener covers every temporary file', () => {
  const listeners = (): [number, number] => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];

  it('listens from prepare() until commit, and only while a temporary file exists', async () => {
    const { OutputFiles } = await import('../../src/cli/output-files.node.js');
    const before = listeners();
    const dir = scratch();
    const files = new OutputFiles();
    files.addOutput('--requests-out', join(dir, 'r.csv'));
    files.prepare();
    expect(listeners()).toEqual([before[0] + 1, before[1] + 1]);
    expect(temps(dir)).toHaveLength(1);
    files.commit();
    expect(listeners()).toEqual(before);
    expect(temps(dir)).toEqual([]);

    // Written in place (a device): no temporary file, so no listener is left behind.
    const inPlace = new OutputFiles();
    inPlace.addOutput('--requests-out', '/dev/null');
    inPlace.prepare();
    expect(listeners()).toEqual(before);
    inPlace.commit();
  });

  it('an output that cannot be opened removes the temporaries already made and the listener', async () => {
    const { OutputFiles } = await import('../../src/cli/output-files.node.js');
    const before = listeners();
    const dir = scratch();
    const files = new OutputFiles();
    files.addOutput('--requests-out', join(dir, 'r.csv'));
    files.addOutput('--metrics-out', join(dir, 'no-such-dir', 'm.json'));
    expect(() => files.prepare()).toThrow(/OUTPUT_UNWRITABLE|the directory does not exist/);
    expect(temps(dir)).toEqual([]);
    expect(listeners()).toEqual(before);
  });
});
