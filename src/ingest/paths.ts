/**
 * TraceV2 file naming: a trace is `<base>.trace_header.yaml` + `<base>.trace_data<anything>.csv`
 * in the same folder (`<base>.` may be empty: `trace_header.yaml` + `trace_data.csv`). Given
 * either file, the other is its sibling; the data file may be gzipped (`x.trace_data.csv.gz`, as
 * any ingest file may be). Pure path arithmetic; listing a folder is the caller's.
 */
export interface TraceV2Names {
  /** `<base>.` or '' */
  readonly prefix: string;
  readonly kind: 'header' | 'data';
}

export function traceV2Names(fileName: string): TraceV2Names | undefined {
  let m = /^(?:(.*)\.)?trace_header\.ya?ml$/i.exec(fileName);
  if (m !== null) return { prefix: m[1] !== undefined ? `${m[1]}.` : '', kind: 'header' };
  m = /^(?:(.*)\.)?trace_data[^/]*\.csv(?:\.gz)?$/i.exec(fileName);
  if (m !== null) return { prefix: m[1] !== undefined ? `${m[1]}.` : '', kind: 'data' };
  return undefined;
}

/** Header candidates for a data file name, in preference order. */
export function headerNamesFor(prefix: string): string[] {
  return [`${prefix}trace_header.yaml`, `${prefix}trace_header.yml`];
}

/**
 * The data file for a header, chosen among a folder's file names: `<prefix>trace_data.csv` if
 * present, else the only `<prefix>trace_data*.csv`; undefined if none; 'ambiguous' if several.
 */
export function pickDataFile(prefix: string, folder: readonly string[]): string | 'ambiguous' | undefined {
  const exact = `${prefix}trace_data.csv`;
  if (folder.includes(exact)) return exact;
  const candidates = folder.filter((f) => {
    const n = traceV2Names(f);
    return n !== undefined && n.kind === 'data' && n.prefix === prefix;
  });
  if (candidates.length === 1) return candidates[0];
  return candidates.length === 0 ? undefined : 'ambiguous';
}

/** Output names for writing TraceV2 to `out` (either file name, or a bare base). */
export function traceV2OutputPaths(out: string): { header: string; data: string } {
  const slash = out.lastIndexOf('/') + 1;
  const dir = out.slice(0, slash);
  // The writers write plain text: a .gz name is no TraceV2 file name to write to.
  const names = /\.gz$/i.test(out) ? undefined : traceV2Names(out.slice(slash));
  if (names === undefined) return { header: `${out}.trace_header.yaml`, data: `${out}.trace_data.csv` };
  return names.kind === 'data'
    ? { header: `${dir}${names.prefix}trace_header.yaml`, data: out }
    : { header: out, data: `${dir}${names.prefix}trace_data.csv` };
}
