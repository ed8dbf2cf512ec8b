/** The command registry: one line per command module. */
import type { Command } from 'commander';
import type { CliIO } from './io.js';
import { registerRun } from './cmd-run.js';
import { registerCatalog } from './cmd-catalog.js';
import { registerValidate } from './cmd-validate.js';
import { registerCompare } from './cmd-compare.js';
import { registerCalibrate } from './cmd-calibrate.js';
import { registerReplay } from './cmd-replay.js';
import { registerConvert } from './cmd-convert.js';
import { registerReport } from './cmd-report.js';

export type RegisterCommand = (program: Command, io: CliIO) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerRun, registerReplay, registerConvert, registerCatalog, registerValidate, registerCompare, registerCalibrate, registerReport];
