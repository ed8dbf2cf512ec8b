#!/usr/bin/env node
// npm bin entry: runs the bundled CLI (npm ci runs `prepare`, which builds it: scripts/bundle.mjs)
// through V8's code cache (src/cli/code-cache.node.ts): a start-up deserialises what an earlier
// run compiled instead of parsing and compiling the bundle again. CommonJS (bin/package.json),
// because Node's ES module loader costs a start-up more than the whole cached load.
'use strict';
const { join } = require('node:path');
const { loadCli } = require('../dist/cli/code-cache.cjs');

const loaded = loadCli(join(__dirname, '..', 'dist', 'cli', 'blis.cjs'));
loaded.cli.run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  loaded.saveCache();
});
