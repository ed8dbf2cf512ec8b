// Builds the CLI with esbuild into one CommonJS file, dist/cli/blis.cjs, which bin/blis.js runs
// through V8's code cache (src/cli/code-cache.node.ts), then fills that cache with a warm-up run
// (`blis run --num-requests 1`), so the first real start-up already skips compiling. One file
// starts faster than hundreds of ES modules resolved and read one by one; it sits in dist/cli/ like
// the compiled modules, so paths computed from import.meta.url (proto/, baselines/, the validate
// worker that tsc compiles next to it) resolve the same. Run by `npm run build`, `prepare` (npm ci)
// and `npm test`.
import { build } from 'esbuild';
import { readFile, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
// The bundle, its code cache and the chunks of an earlier (ESM, split) build are replaced.
const outdir = join(root, 'dist/cli');
const bundle = join(outdir, 'blis.cjs');
for (const f of await readdir(outdir).catch(() => [])) if (f.startsWith('blis-chunk-') || f === 'blis.mjs' || f.startsWith('blis.cjs') || f === 'code-cache.cjs') await rm(join(outdir, f));
const result = await build({
  entryPoints: [join(root, 'src/cli/main.node.ts')],
  outfile: bundle,
  // One CommonJS file: bin/blis.js runs it as a vm.Script with V8's code cache
  // (src/cli/code-cache.node.ts), which Node 20 offers for scripts, not for ES modules. Code behind
  // `await import()` (the other commands, YAML, the span pipeline with protobufjs and grpc) stays
  // in the file as functions evaluated only when a command reaches them; the cache holds the
  // bytecode a run compiled, so neither the rest of the 2 MB nor the run's own code is compiled
  // again at start-up.
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Paths computed from import.meta.url (proto/, baselines/, the validate worker that tsc compiles
  // beside the bundle) resolve from the bundle's own location, as they did from the ESM chunks in dist/cli/.
  define: { 'import.meta.url': '__blisImportMetaUrl' },
  banner: { js: 'const __blisImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: 'none',
  // Non-ASCII characters escaped (esbuild's default, stated): the loader reads the file as latin1,
  // a plain copy, which is the same text only for ASCII (checked below).
  charset: 'ascii',
  // Whitespace and syntax only: names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [inlineJson],
  // The OTLP/HTTP exporter of the SDK (@opentelemetry/otlp-exporter-base) loads `http`/`https` with
  // import(). A vm.Script whose code comes from V8's code cache loses its importModuleDynamically
  // in Node 20 ("A dynamic import callback was not specified"), so every cached start-up failed
  // each SDK export: lowered to require(), which a CommonJS bundle of Node built-ins needs anyway.
  supported: { 'dynamic-import': false },
  metafile: process.argv.includes('--meta'),
});
if (result.metafile) {
  const inputs = Object.entries(result.metafile.inputs).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
  for (const [f, i] of inputs) console.log(String(i.bytes).padStart(9), f);
}

if (!/^[\x00-\x7f]*$/.test(await readFile(bundle, 'latin1'))) throw new Error(`${bundle}: not ASCII (the loader reads it as latin1)`);
// The loader bin/blis.js requires (CommonJS like it: Node's ES module loader would cost more start-up than it saves).
await build({ entryPoints: [join(root, 'src/cli/code-cache.node.ts')], outfile: join(outdir, 'code-cache.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
// The warm-up writes blis.cjs.cache (the bytecode of what a plain run compiles). Its output is not wanted.
const warm = spawnSync(process.execPath, [join(root, 'bin/blis.js'), 'run', '--num-requests', '1', '--quiet'], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } });
if (warm.status !== 0) console.warn(`bundle: the warm-up run exited ${warm.status ?? warm.signal}; blis starts uncached until a run writes ${bundle}.cache`);
