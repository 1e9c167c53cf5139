// Runs src/worker.ts in a worker thread during tests, straight from the TypeScript sources:
// compiles .ts files with @swc/core (as jest does) and maps @modelkit/<pkg> to
// packages/<pkg>/src like tools/jest/preset.js, so workers never run a stale dist/ build.
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const packagesDir = path.join(__dirname, '..', '..', '..');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolve(request, ...rest) {
  const m = /^@modelkit\/([a-z-]+)(\/cli)?$/.exec(request);
  if (m) return path.join(packagesDir, m[1], 'src', m[2] ? 'cli.ts' : 'index.ts');
  return resolveFilename.call(this, request, ...rest);
};
Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(path.join(__dirname, '..', '..', 'src', 'worker.ts'));
