/** `blis convert`: stream a trace from any readable format into a writer's file(s). */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { IngestSummary } from './issues.js';
import { openTrace, type OpenTraceOptions } from './open.node.js';
import { traceV2OutputPaths } from './paths.js';
import { WriterRegistry } from './writers/registry.js';
import type { WriterOptions } from './writers/types.js';

export interface ConvertOptions extends OpenTraceOptions, WriterOptions {
  /** Output format name (default: from the output path). */
  toFormat?: string;
  writers?: WriterRegistry;
}

export interface ConvertResult {
  readonly from: string;
  readonly to: string;
  /** Files written. */
  readonly files: string[];
  readonly summary: IngestSummary;
}

export async function convertTrace(inPath: string, outPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const writers = options.writers ?? new WriterRegistry();
  const writer = options.toFormat !== undefined ? writers.get(options.toFormat) : writers.forPath(outPath);
  const opened = await openTrace(inPath, options);
  const paths = writer.name === 'tracev2' ? traceV2OutputPaths(outPath) : { header: undefined, data: outPath };
  const stream: WriteStream = createWriteStream(paths.data);
  let pending = false;
  let headerText: string | undefined;
  const w = writer.create({
    data: (chunk) => {
      if (!stream.write(chunk)) pending = true;
    },
    header: (text) => {
      headerText = text;
    },
  }, options);
  try {
    for await (const r of opened.requests) {
      w.write(r);
      if (pending) {
        pending = false;
        await once(stream, 'drain');
      }
    }
    w.end();
  } finally {
    stream.end();
    await once(stream, 'close');
  }
  const files = [paths.data];
  if (paths.header !== undefined && headerText !== undefined) {
    await writeFile(paths.header, headerText);
    files.unshift(paths.header);
  }
  return { from: opened.format, to: writer.name, files, summary: opened.summary() };
}
