import { main } from '../../src/cli/main.node.js';
import type { CliIO } from '../../src/cli/io.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured stdout/stderr. */
export async function runCli(argv: string[], cwd = process.cwd(), env: Record<string, string> = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (s) => { out += s; }, err: (s) => { err += s; }, cwd, errIsTTY: false, env };
  const code = await main(argv, io);
  return { code, out, err };
}
