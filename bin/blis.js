#!/usr/bin/env node
// npm bin entry: runs the bundled CLI (npm ci runs `prepare`, which builds it: scripts/bundle.mjs).
// The bundle loads in a fraction of the time of the compiled module tree.
import { run } from '../dist/cli/blis.mjs';

run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
