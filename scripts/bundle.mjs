// Builds the CLI with esbuild: the entry dist/cli/blis.mjs, which bin/blis.js runs, plus chunks
// beside it for code reached only through `await import()` (a command other than the one run, YAML
// for a spec file, the span pipeline for --otlp-*), read and compiled only when used. A few bundled
// files start faster than hundreds of ES modules resolved and read one by one. They sit in dist/cli/
// like the compiled modules, so paths computed from import.meta.url (proto/, baselines/, the validate
// worker that tsc compiles next to them) resolve the same. Run by `npm run build`, `prepare` (npm ci)
// and `npm test`.
import { build } from 'esbuild';
import { readFile, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The catalogs and default coefficients are JSON read with createRequire(import.meta.url)(path),
 * which a bundler cannot follow; as plain require(path) esbuild inlines them (no file read at run time).
 */
const inlineJson = {
  name: 'inline-json-require',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('createRequire(import.meta.url)(')) return undefined;
      return { contents: text.replace(/createRequire\(import\.meta\.url\)\((['"][^'"]+\.json['"])\)/g, 'require($1)'), loader: 'ts' };
    });
  },
};
// Chunks of an earlier build would otherwise pile up beside the new ones (their names carry a content hash).
const outdir = join(root, 'dist/cli');
for (const f of await readdir(outdir).catch(() => [])) if (f.startsWith('blis-chunk-')) await rm(join(outdir, f));
const result = await build({
  entryPoints: { blis: join(root, 'src/cli/main.node.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  // Code behind `await import()` (the other commands, YAML, the span pipeline with protobufjs and
  // grpc, OTel's semantic conventions) goes to chunks beside blis.mjs, read and compiled only when a
  // command reaches it: V8 otherwise compiles all 2 MB at start-up (a third of `blis run`'s start).
  // The chunks sit in dist/cli/ itself, so paths computed from import.meta.url resolve as before.
  splitting: true,
  chunkNames: 'blis-chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (protobufjs, grpc-js) require Node built-ins at run time; give the ESM bundle a require().
  banner: { js: "import { createRequire as __blisCreateRequire } from 'node:module'; const require = __blisCreateRequire(import.meta.url);" },
  legalComments: 'none',
  // Whitespace and syntax only: V8 parses the whole file at start-up, and names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [inlineJson],
  metafile: process.argv.includes('--meta'),
});
if (result.metafile) {
  const inputs = Object.entries(result.metafile.inputs).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
  for (const [f, i] of inputs) console.log(String(i.bytes).padStart(9), f);
}
