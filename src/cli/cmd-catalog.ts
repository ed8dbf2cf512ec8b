/** `blis models` and `blis hardware`: the embedded catalogs. */
import type { Command } from 'commander';
import { listHardware } from '../model/hardware-catalog.js';
import { listModels } from '../model/catalog.js';
import { QUIET_HELP, type CliIO } from './io.js';
import { choiceFlag } from './parse.js';
import { table } from './summary-format.js';
import { BYTES_PER_GB } from '../kernel/units.js';

/** `--output human|json` like every command, `--json` kept as its alias. */
function catalogCommand(program: Command, io: CliIO, name: string, description: string, json: () => unknown, human: () => string): void {
  const cmd = program.command(name)
    .description(description)
    .option('--output <format>', 'stdout: human (table) or json (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--json', 'the same as --output json')
    .option('--quiet', QUIET_HELP);
  cmd.addHelpText('after', `\nExamples:\n  blis ${name}\n  blis ${name} --output json\n`);
  cmd.action(() => {
    const o = cmd.opts<Record<string, unknown>>();
    if (o['json'] === true || o['output'] === 'json') io.out(JSON.stringify(json(), null, 2) + '\n');
    else io.out(human());
  });
}

export function registerCatalog(program: Command, io: CliIO): void {
  catalogCommand(program, io, 'models', 'list the embedded model catalog (Hugging Face config.json facts)', listModels, () => {
    const b = (x: number): string => (x / BYTES_PER_GB).toFixed(2);
    return table([
      ['model', 'params (B)', 'active (B)', 'layers', 'heads', 'kv heads', 'experts', 'max len', 'weights'],
      ...listModels().map((m) => [m.name, b(m.totalParams), b(m.activeParams), String(m.layers), String(m.heads), String(m.kvHeads), m.experts, String(m.maxLen), m.weightDtype]),
    ]);
  });
  catalogCommand(program, io, 'hardware', 'list the embedded GPU catalog (datasheet figures, dense)', listHardware, () => table([
    ['gpu', 'bf16 TFLOP/s', 'fp8 TFLOP/s', 'fp4 TFLOP/s', 'int8 TOPS', 'HBM TB/s', 'memory GB', 'link GB/s', 'source'],
    ...listHardware().map((g) => [g.name, String(g.bf16Tflops), g.fp8Tflops ? String(g.fp8Tflops) : '-', g.fp4Tflops ? String(g.fp4Tflops) : '-', String(g.int8Tops), String(g.hbmTBps), String(g.memoryGB), String(g.interconnectGBps), g.source]),
  ], true));
}
