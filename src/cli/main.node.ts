/**
 * The CLI (commander): thin shells that parse flags, resolve config, call the library and print.
 * Each command lives in its own cmd-<name>.ts exporting `register(program, io)`; this file wires them.
 * Exit codes: 0 ok, 1 gate failed, 2 bad input or usage.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../kernel/errors.js';
import { ExitCode, type CliIO } from './io.js';
import { COMMANDS } from './commands.js';

export function buildProgram(io: CliIO): Command {
  const program = new Command('blis')
    .description('Discrete-event simulator of distributed LLM inference serving, with trace replay and validation against real vLLM measurements')
    .version('0.1.0')
    .exitOverride()
    // Options belong to the command they follow (blis sweep merge ... --out is merge's --out).
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run with --help for usage)');
  for (const register of COMMANDS) register(program, io);
  return program;
}

/** Runs the CLI in-process and returns the exit code (never calls process.exit). */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
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
      io.err(`blis: error [${e.code}] ${e.message}\n`);
      return 2;
    }
    throw e;
  }
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
  };
  try {
    return await main(argv, io);
  } catch (e) {
    io.err(`blis: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 3;
  }
}
