/** File helpers for the CLI: buffered line writers and JSON/text reading with clear errors. */
import { closeSync, existsSync, openSync, readFileSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../kernel/errors.js';

/** Appends text to a file through a 1 MiB buffer (sync writes: simple, ordered, fast enough). */
export class BufferedFileWriter {
  private readonly fd: number;
  private buf = '';

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new InputError('FILE_UNWRITABLE', path, `cannot write: ${(e as Error).message}`);
    }
  }

  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buf.length > 0) {
      writeSync(this.fd, this.buf);
      this.buf = '';
    }
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export function resolvePath(cwd: string, p: string): string {
  return resolve(cwd, p);
}

export function readText(path: string, what = 'file'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('FILE_UNREADABLE', path, code === 'ENOENT' ? `${what} not found` : `cannot read ${what}: ${(e as Error).message}`);
  }
}

export function readJson(path: string, what = 'JSON file'): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError('JSON_MALFORMED', path, `not valid JSON: ${(e as Error).message}`);
  }
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const w = new BufferedFileWriter(path);
  w.write(text);
  w.close();
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
