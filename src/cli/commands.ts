/**
 * The command registry: one line per command module. A module is imported only when its command
 * runs (or for the full --help), so `blis run` never loads the validation harness, the ingesters,
 * the planner, OpenTelemetry or protobufjs: start-up stays short.
 */
import type { Command } from 'commander';
import type { CliIO } from './io.js';

export type RegisterCommand = (program: Command, io: CliIO) => void;

export interface CommandEntry {
  /** The command names the module registers. */
  readonly names: readonly string[];
  load(): Promise<RegisterCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { names: ['run'], load: async () => (await import('./cmd-run.js')).registerRun },
  { names: ['replay'], load: async () => (await import('./cmd-replay.js')).registerReplay },
  { names: ['convert'], load: async () => (await import('./cmd-convert.js')).registerConvert },
  { names: ['models', 'hardware'], load: async () => (await import('./cmd-catalog.js')).registerCatalog },
  { names: ['validate'], load: async () => (await import('./cmd-validate.js')).registerValidate },
  { names: ['compare'], load: async () => (await import('./cmd-compare.js')).registerCompare },
  { names: ['calibrate'], load: async () => (await import('./cmd-calibrate.js')).registerCalibrate },
  { names: ['report'], load: async () => (await import('./cmd-report.js')).registerReport },
  { names: ['capacity'], load: async () => (await import('./cmd-capacity.js')).registerCapacity },
  { names: ['sweep'], load: async () => (await import('./cmd-sweep.js')).registerSweep },
  { names: ['step-time'], load: async () => (await import('./cmd-step-time.js')).registerStepTime },
];
