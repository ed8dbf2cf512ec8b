/** `blis convert`: stream a trace from any readable format into a writer's file(s). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { InputError } from '../kernel/errors.js';
import type { IngestSummary } from './issues.js';
import { openTrace, type OpenTraceOptions } from './open.node.js';
import { traceV2OutputPaths } from './paths.js';
import { WriterRegistry } from './writers/registry.js';
import type { WriterEntry, WriterOptions } from './writers/types.js';

export interface ConvertOptions extends OpenTraceOptions, WriterOptions {
  /** Output format name (default: from the output path). */
  toFormat?: string;
  writers?: WriterRegistry;
  /**
   * Where to actually write each output file (default: the file itself). The CLI writes beside
   * the target under a temporary name and renames it into place once the conversion succeeded.
   */
  writePathFor?: (path: string) => string;
}

export interface ConvertResult {
  readonly from: string;
  readonly to: string;
  /** Files written. */
  readonly files: string[];
  readonly summary: IngestSummary;
}

function writerFor(outPath: string, options: ConvertOptions): WriterEntry {
  const writers = options.writers ?? new WriterRegistry();
  return options.toFormat !== undefined ? writers.get(options.toFormat) : writers.forPath(outPath);
}

/** The files converting to `outPath` writes (TraceV2 writes a header and a data file). */
export function convertOutputPaths(outPath: string, options: ConvertOptions = {}): { header?: string; data: string } {
  return writerFor(outPath, options).name === 'tracev2' ? traceV2OutputPaths(outPath) : { data: outPath };
}

const writeFailed = (path: string, e: unknown): InputError => new InputError('OUTPUT_WRITE_FAILED', path, `cannot write: ${(e as Error).message}`);

export async function convertTrace(inPath: string, outPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const writer = writerFor(outPath, options);
  const paths = convertOutputPaths(outPath, options);
  const at = options.writePathFor ?? ((p: string) => p);
  const opened = await openTrace(inPath, options);
  const stream = createWriteStream(at(paths.data));
  let failure: unknown;
  stream.on('error', (e) => { failure ??= e; });
  let pending = false;
  let headerText: string | undefined;
  const w = writer.create({
    data: (chunk) => {
      if (!stream.write(chunk)) pending = true;
    },
    header: (text) => {
      headerText = text;
    },
  }, /\.tsv$/i.test(outPath) && options.fieldSeparator === undefined ? { ...options, fieldSeparator: '\t' } : options);
  try {
    for await (const r of opened.requests) {
      w.write(r);
      if (failure !== undefined) break;
      if (pending) {
        pending = false;
        await once(stream, 'drain');
      }
    }
    if (failure === undefined) w.end();
    stream.end();
    await finished(stream);
  } catch (e) {
    stream.destroy();
    throw failure !== undefined ? writeFailed(paths.data, failure) : e;
  }
  if (failure !== undefined) throw writeFailed(paths.data, failure);
  const files = [paths.data];
  if (paths.header !== undefined && headerText !== undefined) {
    try {
      await writeFile(at(paths.header), headerText);
    } catch (e) {
      throw writeFailed(paths.header, e);
    }
    files.unshift(paths.header);
  }
  return { from: opened.format, to: writer.name, files, summary: opened.summary() };
}
