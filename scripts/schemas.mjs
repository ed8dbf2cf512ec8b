#!/usr/bin/env node
// Regenerates the schemas derived from code: schemas/run-config.schema.json from the flags of
// `blis run`, `blis replay` and `blis validate`. Run after changing a flag (npm run schemas);
// test/schemas checks the committed file is current.
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli/main.node.js';
import { RUN_CONFIG_COMMANDS, runConfigSchema } from '../dist/cli/config-file.js';

const program = await buildProgram({ out: () => {}, err: () => {}, cwd: process.cwd(), errIsTTY: false });
const commands = RUN_CONFIG_COMMANDS.map((name) => program.commands.find((c) => c.name() === name));
const file = new URL('../schemas/run-config.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(runConfigSchema(commands), null, 2)}\n`);
console.error(`wrote ${file.pathname}`);
