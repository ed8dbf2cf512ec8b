/** File helpers for the CLI: buffered line writers and JSON/text reading and writing with clear errors. */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, jsonParseProblem } from '../kernel/errors.js';

/** An I/O failure while writing `displayPath` (disk full, device gone): bad environment, exit 2. */
function writeFailed(displayPath: string, e: unknown): InputError {
  return new InputError('OUTPUT_WRITE_FAILED', displayPath, `cannot write: ${(e as Error).message}`);
}

/**
 * Appends text to a file through a 1 MiB buffer (sync writes: simple, ordered, fast enough).
 * `path` is opened as is (callers pass a planned temporary file, see output-files.node.ts);
 * `displayPath` names the file in error messages.
 */
export class BufferedFileWriter {
  private readonly fd: number;
  private buf = '';

  constructor(readonly path: string, private readonly displayPath = path) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new InputError('OUTPUT_UNWRITABLE', displayPath, `cannot write: ${(e as Error).message}`);
    }
  }

  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buf.length > 0) {
      try {
        writeSync(this.fd, this.buf);
      } catch (e) {
        throw writeFailed(this.displayPath, e);
      }
      this.buf = '';
    }
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

export function resolvePath(cwd: string, p: string): string {
  return resolve(cwd, p);
}

/** A text file's content, without a UTF-8 byte order mark (editors on Windows write one; JSON.parse refuses it). */
export function readText(path: string, what = 'file'): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `${what} not found` : code === 'EISDIR' ? `is a directory; expected a ${what}` : `cannot read ${what}: ${(e as Error).message}`;
    throw new InputError('FILE_UNREADABLE', path, why);
  }
}

export function readJson(path: string, what = 'JSON file'): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError('JSON_MALFORMED', path, `not valid JSON: ${jsonParseProblem(text, e)}`);
  }
}

/**
 * Creates a directory and its missing parents, one level at a time. (Node's recursive mkdir
 * spins forever on a path under /proc, where mkdir answers ENOENT at every level.)
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(d);
    } catch {
      missing.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
      continue;
    }
    if (!st.isDirectory()) throw new InputError('OUTPUT_UNWRITABLE', dir, `${d} is not a directory`);
    break;
  }
  for (let k = missing.length - 1; k >= 0; k--) {
    try {
      mkdirSync(missing[k]!);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError('OUTPUT_UNWRITABLE', dir, `cannot create directory: ${(e as Error).message}`);
    }
  }
}

/**
 * A fresh temporary name beside `path` (same directory, so renaming it into place is atomic),
 * hidden, ending like `path` (writers that pick a format from the extension still see it).
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.blis-${process.pid}-${randomBytes(4).toString('hex')}.${basename(path)}`);
}

/** True when `path` exists and is not a regular file or directory (/dev/null, a FIFO): written in place, never renamed over. */
export function isDevice(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** Writes `path` directly (a planned output's write path, or a device). */
export function writeTextTo(path: string, text: string, displayPath = path): void {
  const w = new BufferedFileWriter(path, displayPath);
  try {
    w.write(text);
  } finally {
    w.close();
  }
}

/**
 * Writes a whole file atomically: into a temporary file beside it, renamed into place, so a
 * reader never sees half a file and a failure leaves the old one. Missing parent directories
 * are created (report directories).
 */
export function writeText(path: string, text: string): void {
  ensureDir(dirname(path));
  if (isDevice(path)) return writeTextTo(path, text);
  const temp = tempPathFor(path);
  try {
    writeTextTo(temp, text, path);
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw e;
  }
}

/**
 * A worker entry, compiled: next to the calling module when running from dist/, else in dist/
 * of the project (tests run the TypeScript sources). Undefined when neither exists (then the
 * caller runs in process).
 */
export function compiledWorkerUrl(fileName: string, callerUrl: string): URL | undefined {
  const here = new URL(`./${fileName}`, callerUrl);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = new URL(`../../dist/cli/${fileName}`, callerUrl);
  return existsSync(fileURLToPath(dist)) ? dist : undefined;
}
