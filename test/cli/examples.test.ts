/**
 * Every command in the README's shell blocks and in every command's `--help` examples runs as
 * written (in order, in a scratch directory holding the repository's traces, examples,
 * baselines and fixtures), so examples cannot drift from the code. Long runs are shortened the
 * way a reader would: `run` gets `--num-requests 200` unless it names a count, `validate` one
 * experiment unless it names some, `calibrate` two experiments and two evaluations (with `--cv`
 * a third, of another model family: a fold holds one family out, so one family has none); an
 * `--otlp-endpoint` is pointed at a receiver this test starts on loopback (OTLP/HTTP, or OTLP/gRPC
 * with `--otlp-protocol grpc`); a `*` in a path is expanded as a shell would. An example whose
 * comment says "exit 1" may end 0 or 1 (a gate); every other one must end 0.
 */
import * as grpc from '@grpc/grpc-js';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const EXPERIMENTS = 'baselines/calibration-experiments';
const CODEGEN = `${EXPERIMENTS}/20260217-155451-llama-2-7b-tp1-codegen.json`;
const ROLEPLAY = `${EXPERIMENTS}/20260217-162547-llama-2-7b-tp1-roleplay.json`;
const QWEN = 'baselines/trainval-experiments/66-qwen2-5-7b-instruct-tp1-reasoning-lite-1-1.json';

interface Example {
  readonly source: string;
  readonly text: string;
  readonly argv: string[];
  readonly stdoutTo?: string;
  readonly mayFailGate: boolean;
}

/** Shell words of one command: quotes, `#` comments, `> file`; anything needing a shell is refused. */
function words(line: string): { argv: string[]; comment: string; stdoutTo?: string } {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let started = false;
  let i = 0;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; started = true; continue; }
    if (c === ' ' || c === '\t') {
      if (started) out.push(cur);
      cur = '';
      started = false;
      continue;
    }
    if (c === '#' && !started) break;
    if (c === '$' || c === '`' || c === '|' || c === '<') throw new Error(`'${line}' needs a shell (${c}); examples must run as written`);
    cur += c;
    started = true;
  }
  if (started) out.push(cur);
  const comment = line.slice(i);
  const gt = out.indexOf('>');
  if (gt >= 0) return { argv: out.slice(0, gt), comment, stdoutTo: out[gt + 1]! };
  return { argv: out, comment };
}

/** The blis commands in a block of shell text (continuation lines joined, `&&` chains split). */
function examplesIn(text: string, source: string): Example[] {
  const out: Example[] = [];
  const logical = text.replace(/\\\n\s*/g, ' ').split('\n');
  for (const line of logical) {
    for (const part of line.split('&&')) {
      const t = part.trim();
      if (!/^(\.\/)?blis\s/.test(t)) continue;
      // A checkout has ./blis (bin/ through npm); a bare `blis` is the installed package's.
      if (source === 'README.md' && !t.startsWith('./blis ')) throw new Error(`README example without ./blis: ${t}`);
      const w = words(t);
      out.push({ source, text: t, argv: w.argv.slice(1), ...(w.stdoutTo !== undefined ? { stdoutTo: w.stdoutTo } : {}), mayFailGate: /exit 1/.test(w.comment) });
    }
  }
  return out;
}

function readmeExamples(): Example[] {
  const md = readFileSync(join(root, 'README.md'), 'utf8');
  const out: Example[] = [];
  for (const m of md.matchAll(/```(sh|bash|shell)\n([\s\S]*?)```/g)) out.push(...examplesIn(m[2]!, 'README.md'));
  return out;
}

async function helpExamples(): Promise<Example[]> {
  const names = ['run', 'replay', 'convert', 'compare', 'validate', 'calibrate', 'report', 'models', 'hardware', 'capacity', 'sweep', 'step-time'];
  expect(COMMANDS.length).toBe(11); // run, replay, convert, catalog (models + hardware), validate, compare, calibrate, report, capacity, sweep, step-time
  const out: Example[] = [];
  for (const name of names) {
    const help = (await runCli([name, '--help'])).out;
    const at = help.indexOf('Examples:');
    expect(at, `${name} --help has examples`).toBeGreaterThan(0);
    out.push(...examplesIn(help.slice(at), `blis ${name} --help`));
  }
  return out;
}

/** A path with `*` in its last part, expanded in the scratch directory as a shell would (sorted). */
function expandGlob(x: string): string[] {
  if (!x.includes('*')) return [x];
  const slash = x.lastIndexOf('/');
  const dir = slash >= 0 ? x.slice(0, slash) : '.';
  const re = new RegExp(`^${x.slice(slash + 1).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const hits = readdirSync(join(scratch, dir)).filter((f) => re.test(f)).sort().map((f) => (slash >= 0 ? `${dir}/${f}` : f));
  return hits.length > 0 ? hits : [x];
}

/** The reader's shortening of long runs (see the file comment). */
function shortened(argv: readonly string[], endpoint: string): string[] {
  const grpcEndpoint = argv.includes('grpc');
  const a = argv.flatMap(expandGlob).map((x) => (/^http:\/\/127\.0\.0\.1:\d+$/.test(x) ? (grpcEndpoint ? grpcUrl : endpoint) : x));
  const positional = a.some((x, k) => k > 0 && !x.startsWith('-') && (k === 1 || !a[k - 1]!.startsWith('--')) && x.endsWith('.json'));
  if (a[0] === 'run' && !a.includes('--num-requests')) a.push('--num-requests', '200');
  // Two runs, not one: the baselines' median limits then read a median, not one run's error.
  if (a[0] === 'validate' && !positional) a.push(CODEGEN, ROLEPLAY);
  if (a[0] === 'calibrate') {
    const k = a.indexOf('--max-evaluations');
    if (k >= 0) a.splice(k, 2);
    a.push('--max-evaluations', '2');
    if (!positional) a.push(CODEGEN, ROLEPLAY, ...(a.includes('--cv') ? [QWEN] : []));
  }
  return a;
}

let scratch = '';
let server: Server;
let endpoint = '';
let received = 0;
let grpcServer: grpc.Server;
let grpcUrl = '';

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'blis-examples-'));
  for (const d of ['traces', 'examples', 'src']) symlinkSync(join(root, d), join(scratch, d));
  mkdirSync(join(scratch, 'test'));
  symlinkSync(join(root, 'test/fixtures'), join(scratch, 'test/fixtures'));
  mkdirSync(join(scratch, 'baselines'));
  symlinkSync(join(root, EXPERIMENTS), join(scratch, EXPERIMENTS));
  symlinkSync(join(root, 'baselines/trainval-experiments'), join(scratch, 'baselines/trainval-experiments'));
  // Copies: `validate --update-baseline` rewrites them.
  copyFileSync(join(root, 'baselines/calibration.json'), join(scratch, 'baselines/calibration.json'));
  copyFileSync(join(root, 'baselines/trainval.json'), join(scratch, 'baselines/trainval.json'));
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  // An OTLP/gRPC TraceService that acknowledges every export.
  const Res = loadOtlpSchema().ExportTraceServiceResponse;
  grpcServer = new grpc.Server();
  grpcServer.addService({
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false,
      requestSerialize: (x: Buffer) => x, requestDeserialize: (b: Buffer) => b,
      responseSerialize: (x: object) => Buffer.from(Res.encode(x).finish()), responseDeserialize: (b: Buffer) => b,
    },
  }, { Export: (_call: grpc.ServerUnaryCall<unknown, object>, cb: grpc.sendUnaryData<object>) => { received++; cb(null, {}); } });
  const port = await new Promise<number>((res, rej) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  grpcUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  grpcServer.forceShutdown();
  await new Promise<void>((r) => server.close(() => r()));
});

async function runAll(examples: readonly Example[]): Promise<string[]> {
  const failures: string[] = [];
  for (const ex of examples) {
    const argv = shortened(ex.argv, endpoint);
    const r = await runCli(argv, scratch);
    if (ex.stdoutTo !== undefined) writeFileSync(join(scratch, ex.stdoutTo), r.out);
    const ok = r.code === 0 || (ex.mayFailGate && r.code === 1);
    if (!ok) failures.push(`${ex.source}: ${ex.text}\n  ran: blis ${argv.join(' ')}\n  exit ${r.code}: ${r.err.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return failures;
}

describe('examples run as written', () => {
  it('every blis command in the README', async () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThan(25);
    expect(await runAll(examples)).toEqual([]);
    expect(received).toBeGreaterThan(0); // the --otlp-endpoint example exported to the receiver
  }, 600_000);

  it('every example of every command\'s --help', async () => {
    const examples = await helpExamples();
    expect(examples.length).toBeGreaterThan(25);
    expect(await runAll(examples)).toEqual([]);
  }, 600_000);
});
