/**
 * The CLI room: commander commands as thin shells (parse flags, resolve config, call the
 * library, print). Read `main.node.ts` (exit codes, in-process `main(argv, io)`), `commands.ts`
 * (one line per command) and `cmd-run.ts`; flags shared between commands live in
 * `cluster-flags.ts`, `ingest-flags.ts` and `outputs.ts`. Only this room (and `*.node.ts` files)
 * touches the file system and `process`.
 */
export { main, run, buildProgram } from './main.node.js';
export type { CliIO } from './io.js';
