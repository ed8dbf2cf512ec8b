/**
 * The CLI (commander): thin shells that parse flags, resolve config, call the library and print.
 * Each command lives in its own cmd-<name>.ts exporting `register(program, io)`; this file wires them.
 * Exit codes: 0 ok, 1 an accuracy gate failed (and nothing else), 2 bad input, usage or an I/O
 * failure (file not readable or writable, disk full), 3 an internal error (a bug).
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../kernel/errors.js';
import { ExitCode, type CliIO } from './io.js';
import { COMMANDS } from './commands.js';
import { addConfigOption, applyConfigFile, forbidRepeats, locateInConfig } from './config-file.js';

/**
 * The program with its commands. Given the arguments, only the command they name is loaded
 * (commands.ts); without one (`blis --help`, a typo) every command is, so help and suggestions list all.
 */
export async function buildProgram(io: CliIO, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('blis')
    .description('Discrete-event simulator of distributed LLM inference serving, with trace replay and validation against real vLLM measurements')
    .version('0.1.0')
    .exitOverride()
    // Options belong to the command they follow (blis sweep merge ... --out is merge's --out).
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run with --help for usage)');
  const named = COMMANDS.find((c) => c.names.includes(argv[0] ?? ''));
  for (const entry of named !== undefined ? [named] : COMMANDS) (await entry.load())(program, io);
  for (const cmd of program.commands) {
    addConfigOption(cmd);
    forbidRepeats(cmd);
  }
  program.hook('preAction', async (_program, action) => applyConfigFile(action, io));
  return program;
}

/** Runs the CLI in-process and returns the exit code (never calls process.exit). */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const program = await buildProgram(io, argv);
  // The command running, so an error against one of its flags can name a --config file's key.
  let action: Command | undefined;
  program.hook('preAction', (_program, a) => {
    action = a;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) {
      if (e.message) io.err(`blis: ${e.message}\n`);
      return e.code;
    }
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof InputError) {
      const located = locateInConfig(action, e, io.cwd);
      io.err(`blis: error [${located.code}] ${located.message}\n`);
      return 2;
    }
    if (isIoError(e)) {
      io.err(`blis: error [IO_${e.code}] ${e.path !== undefined ? `${e.path}: ` : ''}${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** A system call failed on a file or stream (ENOENT, EACCES, ENOSPC ...): the environment, not blis. */
function isIoError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  const x = e as NodeJS.ErrnoException | null;
  return x instanceof Error && typeof x.code === 'string' && /^E[A-Z]+$/.test(x.code) && typeof x.syscall === 'string';
}

/** Entry point used by bin/blis.js. */
export async function run(argv: readonly string[]): Promise<number> {
  // A reader that closes early (`blis ... | head`) is not an error: stop quietly, like cat does.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const io: CliIO = {
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    cwd: process.cwd(),
    errIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
  // An error event nobody listened for (a stream deep in a dependency): still one line and an exit code.
  process.on('uncaughtException', (e) => {
    if (isIoError(e)) {
      io.err(`blis: error [IO_${e.code}] ${e.message}\n`);
      process.exit(2);
    }
    io.err(`blis: internal error: ${e.stack ?? e.message}\n`);
    process.exit(3);
  });
  try {
    return await main(argv, io);
  } catch (e) {
    io.err(`blis: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 3;
  }
}
