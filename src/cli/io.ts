/** What a command may touch of the outside world, so that the CLI is testable in-process. */
export interface CliIO {
  /** stdout (data and summaries). */
  out(text: string): void;
  /** stderr (progress, diagnostics). */
  err(text: string): void;
  /** Working directory that relative paths resolve against. */
  readonly cwd: string;
  /** True when stderr is a terminal (progress lines may use \r). */
  readonly errIsTTY: boolean;
  /** Environment variables (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME); none when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Thrown by a command to end with a specific exit code (1: gate failed). */
export class ExitCode extends Error {
  constructor(readonly code: number, message = '') {
    super(message);
  }
}

/** The one meaning of `--quiet` in every command: no progress or notes on stderr; stdout, warnings and errors unchanged. */
export const QUIET_HELP = 'no progress or notes on stderr (results on stdout, warnings and errors still print)';

/** Prints an informational line to stderr unless the command runs with --quiet. */
export function note(quiet: boolean, io: CliIO, text: string): void {
  if (!quiet) io.err(text);
}
