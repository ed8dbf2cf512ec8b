/**
 * Loads the bundled CLI (dist/cli/blis.cjs, scripts/bundle.mjs) through V8's code cache, so a
 * start-up deserialises the bytecode of what an earlier run compiled instead of parsing and
 * compiling the bundle again (Node 20 has no code cache for ES modules: module.enableCompileCache
 * arrived in Node 22.1, so the bundle is CommonJS run as a vm.Script with `cachedData`).
 *
 * The cache sits beside the bundle (`blis.cjs.cache`): the build writes it with a warm-up run, and
 * a run writes it again when it is missing, made for another file or rejected by V8. V8 checks its
 * own version and flags and the source's length only (a bundle of the same length with other code
 * would run the cached bytecode), so the file starts with a line naming the bundle it was made
 * from (size and modification time); any other bundle compiles afresh. A stale cache costs time,
 * never correctness. A run started with V8 or Node flags (`node --cpu-prof ...`,
 * NODE_OPTIONS) does not write: its flag hash would make the cache useless to a plain run. Writing
 * is best effort (a read-only install runs uncached) and atomic (a temporary file renamed), since
 * several blis processes may start at once.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script, constants } from 'node:vm';

/** What dist/cli/blis.cjs exports (src/cli/main.node.ts). */
export interface CliBundle {
  run(argv: readonly string[]): Promise<number>;
  main(argv: readonly string[], io: unknown): Promise<number>;
}

export interface LoadedCli {
  readonly cli: CliBundle;
  /** How the bundle was compiled: from the cache, afresh (cache missing or rejected), or by require() (no vm loader). */
  readonly compiled: 'cached' | 'fresh' | 'required';
  /** Writes the cache when this load compiled afresh (call after the run, so it holds the functions the run compiled). */
  saveCache(): void;
}

/** CommonJS's module wrapper (the parameters Node passes a .cjs file). */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n});';

/**
 * Whether a process may write the cache: not one started with V8 or Node flags, whose flag hash
 * V8 records in the cache (a plain run would reject it and compile afresh).
 */
export function mayWriteCache(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return execArgv.length === 0 && (env['NODE_OPTIONS'] ?? '').trim() === '';
}

/**
 * Loads `bundlePath` (absolute) with the code cache at `${bundlePath}.cache`. `canWrite` (default:
 * mayWriteCache for this process) says whether saveCache may write it.
 */
export function loadCli(bundlePath: string, canWrite: boolean = mayWriteCache(process.execArgv, process.env)): LoadedCli {
  const cachePath = `${bundlePath}.cache`;
  const requireHere = createRequire(bundlePath);
  // The main context's loader for an import() the bundle might hold. The shipped bundle holds none:
  // a script read from the code cache loses this option in Node 20, so scripts/bundle.mjs lowers
  // import() to require(). Node 20 releases before the constant existed load plainly.
  const dynamicImport = constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (dynamicImport === undefined) return { cli: requireHere(bundlePath) as CliBundle, compiled: 'required', saveCache: () => {} };
  // ASCII (scripts/bundle.mjs checks): latin1 is a plain copy, a third faster than decoding UTF-8.
  const source = readFileSync(bundlePath, 'latin1');
  const key = bundleKey(bundlePath);
  const cachedData = readCache(cachePath, key);
  const script = new Script(WRAP_HEAD + source + WRAP_TAIL, {
    filename: bundlePath,
    ...(cachedData !== undefined ? { cachedData } : {}),
    importModuleDynamically: dynamicImport,
  });
  const fresh = cachedData === undefined || script.cachedDataRejected === true;
  const module = { exports: {} as CliBundle };
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void)(module.exports, requireHere, module, bundlePath, dirname(bundlePath));
  return {
    cli: module.exports,
    compiled: fresh ? 'fresh' : 'cached',
    saveCache: () => {
      if (!fresh || !canWrite) return;
      const temp = `${cachePath}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]));
        renameSync(temp, cachePath);
      } catch {
        try {
          unlinkSync(temp);
        } catch {
          // never written
        }
      }
    },
  };
}

/** The bundle a cache was made from: its size and modification time, one line. */
function bundleKey(bundlePath: string): string {
  const st = statSync(bundlePath);
  return `blis-code-cache ${st.size} ${st.mtimeMs}`;
}

/** The V8 cached data in `cachePath` when it was made from the bundle `key` names; else undefined. */
function readCache(cachePath: string, key: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cachePath);
  } catch {
    return undefined;
  }
  const eol = bytes.indexOf(10);
  if (eol < 0 || bytes.toString('utf8', 0, eol) !== key) return undefined;
  return bytes.subarray(eol + 1);
}
