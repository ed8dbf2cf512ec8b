#!/usr/bin/env node
// npm bin entry: runs the CLI bundled into one file (npm ci runs `prepare`, which builds it:
// scripts/bundle.mjs). One file loads in a fraction of the time of the compiled module tree.
import { run } from '../dist/cli/blis.mjs';

run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
