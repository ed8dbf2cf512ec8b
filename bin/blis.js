#!/usr/bin/env node
// npm bin entry: runs the compiled CLI (npm ci runs `prepare`, which builds dist/).
import { run } from '../dist/cli/main.node.js';

run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
