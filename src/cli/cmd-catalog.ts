/** `blis models` and `blis hardware`: the embedded catalogs. */
import type { Command } from 'commander';
import { listHardware } from '../model/hardware-catalog.js';
import { listModels } from '../model/catalog.js';
import type { CliIO } from './io.js';
import { table } from './summary-format.js';

export function registerCatalog(program: Command, io: CliIO): void {
  program.command('models')
    .description('list the embedded model catalog (Hugging Face config.json facts)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  blis models\n  blis models --json > models.json\n')
    .action((opts: { json?: boolean }) => {
      const models = listModels();
      if (opts.json) { io.out(JSON.stringify(models, null, 2) + '\n'); return; }
      io.out(table([
        ['model', 'params (B)', 'active (B)', 'layers', 'heads', 'kv heads', 'experts', 'max len'],
        ...models.map((m) => {
          const b = (x: number): string => (x / 1e9).toFixed(2);
          return [m.name, b(m.totalParams), b(m.activeParams), String(m.layers), String(m.heads), String(m.kvHeads), m.experts, String(m.maxLen)];
        }),
      ]));
    });
  program.command('hardware')
    .description('list the embedded GPU catalog (datasheet figures, dense)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  blis hardware\n  blis hardware --json > hardware.json\n')
    .action((opts: { json?: boolean }) => {
      const gpus = listHardware();
      if (opts.json) { io.out(JSON.stringify(gpus, null, 2) + '\n'); return; }
      io.out(table([
        ['gpu', 'bf16 TFLOP/s', 'fp8 TFLOP/s', 'HBM TB/s', 'memory GB', 'link GB/s', 'source'],
        ...gpus.map((g) => [g.name, String(g.bf16Tflops), g.fp8Tflops ? String(g.fp8Tflops) : '-', String(g.hbmTBps), String(g.memoryGB), String(g.interconnectGBps), g.source]),
      ]));
    });
}
