/**
 * Start-up cost: a command loads only the modules it uses. The static import graph (what runs
 * before the command's first line, bundled or not) of `blis` plus the command's own module must
 * not reach the heavy packages of other commands; they come in through `await import()` where a
 * flag needs them (--workload-spec and --autoscaler-config: yaml; --otlp-*: OpenTelemetry and
 * protobufjs). The graph is esbuild's (the bundler that builds the shipped CLI).
 */
import { describe, expect, it } from 'vitest';
import { build, type Metafile } from 'esbuild';

const HEAVY = ['yaml', '@opentelemetry/', 'protobufjs', 'csv-parse', 'long'];

async function graph(): Promise<Metafile> {
  const r = await build({
    entryPoints: ['src/cli/main.node.ts', 'src/cli/cmd-run.ts', 'src/cli/cmd-replay.ts', 'src/cli/cmd-validate.ts'],
    bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', packages: 'external', outdir: 'out', logLevel: 'silent', splitting: true,
  });
  return r.metafile;
}

/** Packages reached from `roots` through static imports only (dynamic import() edges are not followed). */
function staticPackages(meta: Metafile, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const imp of meta.inputs[f]?.imports ?? []) {
      if (imp.kind === 'dynamic-import') continue;
      if (imp.external) packages.add(imp.path);
      else stack.push(imp.path);
    }
  }
  return packages;
}

const heavy = (pkgs: Set<string>): string[] => [...pkgs].filter((p) => HEAVY.some((h) => p === h || p.startsWith(h.endsWith('/') ? h : `${h}/`)));

describe('start-up imports', () => {
  it('`blis run` loads no YAML, OpenTelemetry, protobuf or CSV code unless a flag needs it', async () => {
    const meta = await graph();
    const run = staticPackages(meta, ['src/cli/main.node.ts', 'src/cli/cmd-run.ts']);
    expect(run.has('commander')).toBe(true); // the walk does reach packages
    expect(heavy(run)).toEqual([]);
  });

  it('the other commands stay out of `blis run` (each is imported when it runs)', async () => {
    const meta = await graph();
    const main = staticPackages(meta, ['src/cli/main.node.ts']);
    expect(heavy(main)).toEqual([]);
    // Sanity: the graph does see heavy packages where they are used.
    expect(heavy(staticPackages(meta, ['src/cli/cmd-replay.ts'])).length).toBeGreaterThan(0);
  });
});
