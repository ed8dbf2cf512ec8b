/**
 * A run as data: `blis run` (or, with a `trace`, `blis replay`) flags by their long names
 * without the leading `--`, as sweep specs write them and capacity probes vary them. The flags
 * are parsed by the very commands the CLI registers, so a configuration means exactly what
 * the same flags mean on the command line, and `commandLine(flags)` reproduces any probe.
 */
import { Command, CommanderError, type Option } from 'commander';
import type { ClusterConfig } from '../cluster/config.js';
import type { MetricsDocument } from '../cluster/metrics.js';
import { InputError, closeNames } from '../kernel/errors.js';
import { getModel } from '../model/catalog.js';
import { getHardware } from '../model/hardware-catalog.js';
import { addReplayFlags, simulateReplay } from './cmd-replay.js';
import { addRunFlags, resolveRun, simulateRun } from './cmd-run.js';
import type { CliIO } from './io.js';
import { userSet } from './config-file.js';

export type FlagValue = string | number | boolean | readonly (string | number)[];
export type RunFlags = Readonly<Record<string, FlagValue>>;

/** The flag naming a trace turns a run into a replay. */
export const TRACE_FLAG = 'trace';

/** Flags that write files or choose stdout: a probe or sweep point has its own outputs. */
const OUTPUT_FLAGS = ['output', 'metrics-out', 'requests-out', 'otlp-out', 'otlp-endpoint', 'timeline-out', 'quiet',
  'trace-sample', 'trace-slowest', 'trace-epoch', 'trace-token-every', 'service-name', 'compare'];

function longName(o: Option): string {
  return (o.long ?? '').replace(/^--/, '');
}

function silentCommand(name: string): Command {
  return new Command(name).exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }).allowExcessArguments(false);
}

function commandFor(replay: boolean): Command {
  return replay ? addReplayFlags(silentCommand('replay')) : addRunFlags(silentCommand('run'));
}

/** The flag names a run (or replay) accepts, for spec validation and help. */
export function knownRunFlags(replay = false): string[] {
  const names = new Set<string>();
  for (const o of commandFor(replay).options) {
    const n = longName(o);
    names.add(n);
    if (o.negate) names.add(n.replace(/^no-/, ''));
  }
  if (replay) names.add(TRACE_FLAG);
  return [...names].sort();
}

/** Names k whose `--no-k` form exists (enable-prefix-caching, in-flight-tracking). */
function negatable(replay: boolean): Set<string> {
  return new Set(commandFor(replay).options.filter((o) => o.negate).map((o) => longName(o).replace(/^no-/, '')));
}

/** Checks names (unknown or output flags are errors naming `where`). */
export function checkRunFlags(flags: RunFlags, where: (flag: string) => string): void {
  const replay = flags[TRACE_FLAG] !== undefined;
  const known = knownRunFlags(replay);
  for (const k of Object.keys(flags)) {
    if (OUTPUT_FLAGS.includes(k)) throw new InputError('RUN_FLAG_NOT_ALLOWED', where(k), `'${k}' chooses outputs; each configuration's results are written by the command itself`);
    if (!known.includes(k)) {
      const close = closeNames(k, known, 3);
      throw new InputError('RUN_FLAG_UNKNOWN', where(k), `unknown flag '${k}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; expected a long flag of blis ${replay ? 'replay' : 'run'} without the leading --`);
    }
  }
}

/**
 * Checks values as the flags' own parsers do (a number, a size, one of the choices), and that a
 * switch gets true or false and a value flag no `true`: errors name `where`. A sweep spec's
 * value that its flag refuses is a typo in the spec, which its line locates; run as a
 * configuration it became a "cannot run" result naming only the flag (`rate: [5, abc]`), or
 * commander's "--: too many arguments" (`warm-kernel-cache: 5`). Whether a valid value can run
 * with the others (a model that does not fit the GPU) is still each configuration's result.
 */
export function checkRunFlagValues(flags: RunFlags, where: (flag: string) => string): void {
  const options = new Map<string, Option>();
  for (const o of commandFor(flags[TRACE_FLAG] !== undefined).options) options.set(o.negate ? longName(o).replace(/^no-/, '') : longName(o), o);
  for (const [k, v] of Object.entries(flags)) {
    const o = options.get(k);
    if (o === undefined) continue; // the trace, or a name checkRunFlags refuses
    const isSwitch = !o.required && !o.optional;
    if (isSwitch) {
      if (typeof v !== 'boolean') throw new InputError('RUN_FLAG_INVALID', where(k), `'${k}' is a switch; expected true or false; found ${JSON.stringify(v)}`);
      continue;
    }
    if (v === true) throw new InputError('RUN_FLAG_INVALID', where(k), `'${k}' takes a value (--${o.flags.replace(/^.*--/, '')}); found true`);
    if (v === false || o.parseArg === undefined) continue;
    let previous: unknown = undefined;
    for (const x of Array.isArray(v) ? v : [v]) {
      try {
        previous = o.parseArg(String(x), previous);
      } catch (e) {
        if (e instanceof InputError) throw new InputError(e.code, where(k), e.where !== '' && e.message.startsWith(`${e.where}: `) ? e.message.slice(e.where.length + 2) : e.message);
        throw e;
      }
    }
  }
}

/**
 * A GPU or model the catalogs do not hold, and no `hardware-config` / `model-config` file
 * describes, is a typo in the spec: named at its line (with the catalog's close names), as
 * `blis capacity` refuses it, instead of becoming a configuration that "cannot run". Whether a
 * catalogued model fits a catalogued GPU is still each configuration's result.
 */
export function checkCatalogNames(flags: RunFlags, where: (flag: string) => string): void {
  const hw = flags['hardware'];
  if (typeof hw === 'string' && flags['hardware-config'] === undefined) getHardware(hw, where('hardware'));
  const model = flags['model'];
  if (typeof model === 'string' && flags['model-config'] === undefined) getModel(model, where('model'));
}

/**
 * `{rate: 20, 'enable-prefix-caching': false, 'slo-class': [...]}` → argv (`--rate 20
 * --no-enable-prefix-caching ...`), in flag-name order. `false` turns a switch off: the `--no-`
 * form where one exists, else the flag is left out.
 */
export function flagsToArgv(flags: RunFlags): string[] {
  const neg = negatable(flags[TRACE_FLAG] !== undefined);
  const argv: string[] = [];
  for (const k of Object.keys(flags).sort()) {
    if (k === TRACE_FLAG) continue;
    const v = flags[k]!;
    if (v === true) argv.push(`--${k}`);
    else if (v === false) {
      if (neg.has(k)) argv.push(`--no-${k}`);
    }
    else if (Array.isArray(v)) for (const x of v) argv.push(`--${k}`, String(x));
    else argv.push(`--${k}`, String(v));
  }
  return argv;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `blis run ...` (or `blis replay TRACE ...`) command line that reproduces a configuration. */
export function commandLine(flags: RunFlags): string {
  const trace = flags[TRACE_FLAG];
  const head = trace !== undefined ? ['blis', 'replay', String(trace)] : ['blis', 'run'];
  return [...head, ...flagsToArgv(flags)].map(shellWord).join(' ');
}

/**
 * Parses `flags` with the command that takes them (`run`, or `replay` with a trace) and calls
 * `act` with it; a commander error becomes an input error located by `where`. `quiet`: the run
 * prints no notes (its caller's --quiet; an output flag, so never among `flags`), warnings still.
 */
async function withCommand<T>(flags: RunFlags, where: (flag: string) => string, quiet: boolean, act: (cmd: Command, trace: FlagValue | undefined) => Promise<T>): Promise<T> {
  checkRunFlags(flags, where);
  const trace = flags[TRACE_FLAG];
  const cmd = commandFor(trace !== undefined);
  // The run and replay commands read --quiet among their output flags, which this command has not.
  if (quiet) cmd.option('--quiet', 'no notes on stderr');
  let result: { value: T } | undefined;
  cmd.action(async () => {
    result = { value: await act(cmd, trace) };
  });
  try {
    await cmd.parseAsync([...flagsToArgv(flags), ...(quiet ? ['--quiet'] : [])], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new InputError('RUN_FLAG_INVALID', where(e.message.match(/'--?([a-z0-9-]+)/)?.[1] ?? ''), e.message.replace(/^error: /, ''));
    throw e;
  }
  return result!.value;
}

/** Simulates a configuration; relative paths resolve against `io.cwd`. */
export async function simulateFlags(flags: RunFlags, io: CliIO, where: (flag: string) => string = (f) => `--${f}`, quiet = false): Promise<MetricsDocument> {
  return withCommand(flags, where, quiet, async (cmd, trace) => (trace !== undefined
    ? (await simulateReplay(cmd, io, String(trace))).metrics
    : (await simulateRun(cmd, io)).metrics));
}

/** The cluster a run's flags describe (its pools as they start), resolved without simulating. */
export async function resolveRunFlags(flags: RunFlags, io: CliIO, where: (flag: string) => string = (f) => `--${f}`, quiet = false): Promise<ClusterConfig> {
  if (flags[TRACE_FLAG] !== undefined) throw new InputError('FLAG_CONFLICT', where(TRACE_FLAG), 'a replay is resolved by simulating it; expected run flags');
  return withCommand(flags, where, quiet, async (cmd) => (await resolveRun(cmd, io)).config);
}

/**
 * The flags the user gave a parsed command (on the command line or in its --config file), minus
 * `exclude`. --config itself is not one: its entries are already the command's option values,
 * and `blis run` takes no such flag (every probe of `blis capacity --config F` was refused).
 */
export function flagsFromCommand(cmd: Command, exclude: readonly string[] = []): Record<string, FlagValue> {
  const o = cmd.opts<Record<string, unknown>>();
  const out: Record<string, FlagValue> = {};
  for (const opt of cmd.options) {
    const attr = opt.attributeName();
    const name = longName(opt);
    if (!userSet(cmd, attr) || exclude.includes(name) || OUTPUT_FLAGS.includes(name) || name === 'config') continue;
    const v = o[attr];
    if (opt.negate) out[name.replace(/^no-/, '')] = v as boolean;
    else if (v !== undefined) out[name] = v as FlagValue;
  }
  return out;
}
