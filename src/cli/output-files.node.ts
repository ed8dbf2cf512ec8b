/**
 * The files one command writes, planned before anything runs:
 * - an output that is also an input (the same file, through a symlink or a hard link) is refused
 *   before any file is opened: opening it for writing would truncate the input it is about to read;
 * - every output is opened at once, so an unwritable place (missing directory, read-only mount,
 *   /proc, a directory in the way) fails in the first millisecond with the path and exit 2,
 *   not after the simulation;
 * - outputs are written beside their target under a temporary name and renamed into place
 *   when the command succeeds (rename within a directory is atomic on POSIX), so an
 *   interrupted or failed run leaves the previous file, or none, never half a file.
 * A target that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written in
 * place: there is nothing to rename over.
 */
import type { Command } from 'commander';
import { closeSync, openSync, renameSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { InputError } from '../kernel/errors.js';
import { resolvePath, tempPathFor } from './files.node.js';

export interface PlannedOutput {
  /** The flag that named it (for messages). */
  readonly flag: string;
  /** Where the file ends up. */
  readonly path: string;
  /** Where to write it until commit (the temporary file, or `path` for a device). */
  readonly writePath: string;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** True when `a` and `b` name the same existing file (symlinks followed, hard links included). */
export function sameFile(a: string, b: string): boolean {
  const x = statOrNull(a);
  const y = statOrNull(b);
  return x !== null && y !== null && x.dev === y.dev && x.ino === y.ino;
}

function describeOpenError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'the directory does not exist';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'EISDIR': return 'is a directory';
    default: return err.message;
  }
}

export class OutputFiles {
  private readonly planned: PlannedOutput[] = [];
  private readonly inputs: string[] = [];
  private prepared = false;
  private finished = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.abort();
    process.kill(process.pid, signal);
  };

  /** A file the command reads (outputs may not be any of these). */
  addInput(path: string): void {
    this.inputs.push(path);
  }

  /** A file the command will write; its write path is known after prepare(). */
  addOutput(flag: string, path: string): void {
    if (this.prepared) throw new Error('outputs are already prepared');
    this.planned.push({ flag, path, writePath: path });
  }

  get outputs(): readonly PlannedOutput[] {
    return this.planned;
  }

  /**
   * Checks every output against the inputs and each other, then opens each one (its temporary
   * file). Throws an InputError (exit 2) before the command reads or simulates anything.
   */
  prepare(): void {
    if (this.prepared) return;
    for (let k = 0; k < this.planned.length; k++) {
      const o = this.planned[k]!;
      for (const input of this.inputs) {
        if (o.path === input || sameFile(o.path, input)) {
          const same = o.path === input ? '' : ` (the same file as ${input})`;
          throw new InputError('OUTPUT_IS_INPUT', o.flag, `${o.path} is an input of this command${same}; writing it would destroy what is being read: choose another file`);
        }
      }
      for (let j = 0; j < k; j++) {
        const p = this.planned[j]!;
        if (p.path === o.path || sameFile(p.path, o.path)) throw new InputError('OUTPUT_TWICE', o.flag, `${o.path} is also the file of ${p.flag}`);
      }
    }
    this.prepared = true;
    // Listen before the first temporary file exists: a signal with no listener kills the process
    // at once, even between creating a temporary file and listening, and would leave it behind.
    // A listener runs from the event loop, after this synchronous loop has recorded every path.
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    try {
      for (let k = 0; k < this.planned.length; k++) this.planned[k] = this.open(this.planned[k]!);
    } catch (e) {
      this.abort();
      throw e;
    }
    if (!this.planned.some((o) => o.writePath !== o.path)) this.release();
  }

  private open(o: PlannedOutput): PlannedOutput {
    const existing = statOrNull(o.path);
    if (existing?.isDirectory()) throw new InputError('OUTPUT_UNWRITABLE', o.flag, `${o.path} is a directory; expected a file name`);
    if (existing !== null && !existing.isFile()) {
      // A device or FIFO: check it opens for writing, then write it in place.
      try {
        closeSync(openSync(o.path, 'a'));
      } catch (e) {
        throw new InputError('OUTPUT_UNWRITABLE', o.flag, `cannot write ${o.path}: ${describeOpenError(e)}`);
      }
      return o;
    }
    const temp = tempPathFor(o.path);
    try {
      closeSync(openSync(temp, 'wx'));
    } catch (e) {
      throw new InputError('OUTPUT_UNWRITABLE', o.flag, `cannot write ${o.path}: ${describeOpenError(e)}`);
    }
    return { ...o, writePath: temp };
  }

  /** Moves every written file into place (the command succeeded). */
  commit(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    for (const o of this.planned) {
      if (o.writePath === o.path) continue;
      try {
        renameSync(o.writePath, o.path);
      } catch (e) {
        this.removeTemps();
        throw new InputError('OUTPUT_UNWRITABLE', o.flag, `cannot move the finished file into place at ${o.path}: ${(e as Error).message}`);
      }
    }
  }

  /** Removes the temporary files (the command failed or was interrupted); targets stay as they were. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    this.removeTemps();
  }

  private removeTemps(): void {
    for (const o of this.planned) {
      if (o.writePath === o.path) continue;
      try {
        unlinkSync(o.writePath);
      } catch {
        // already moved or never created
      }
    }
  }

  private release(): void {
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }

  /** Where to write the planned output `path` until commit (`path` itself when it was not planned). */
  writePathFor(path: string): string {
    return this.planned.find((o) => o.path === path)?.writePath ?? path;
  }

  /** Runs `body` with the outputs prepared; commits on success, removes the temporaries on failure. */
  async run<T>(body: () => Promise<T> | T): Promise<T> {
    this.prepare();
    try {
      const value = await body();
      this.commit();
      return value;
    } catch (e) {
      this.abort();
      throw e;
    }
  }
}

/**
 * The output plan of a command: `outputs` (flag, path) as given, and as inputs `args` plus every
 * other option value that names an existing file (specs, configs, coefficients): a file the
 * command reads can never be one it writes.
 */
export function planOutputs(cmd: Command, cwd: string, args: readonly string[], outputs: ReadonlyArray<readonly [flag: string, path: string]>): OutputFiles {
  const files = new OutputFiles();
  const outFlags = new Set(outputs.map(([f]) => f));
  for (const a of args) files.addInput(resolvePath(cwd, a));
  const values = cmd.opts<Record<string, unknown>>();
  for (const opt of cmd.options) {
    const v = values[opt.attributeName()];
    if (typeof v !== 'string' || (opt.long !== undefined && outFlags.has(opt.long))) continue;
    const p = resolvePath(cwd, v);
    if (statOrNull(p)?.isFile()) files.addInput(p);
  }
  for (const [flag, path] of outputs) files.addOutput(flag, resolvePath(cwd, path));
  return files;
}
