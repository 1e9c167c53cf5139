// Shared jest settings for every package: @swc/jest (about 10x faster than ts-jest here)
// and the environment that lets onnxruntime-node accept the test realm's typed arrays.
// Imports of sibling packages map to their sources, so a test never runs against a stale
// dist/ build of another package.
const path = require('node:path');

const packagesDir = path.join(__dirname, '..', '..', 'packages');

module.exports = function preset(overrides = {}) {
  return {
    testEnvironment: path.join(__dirname, 'node-environment.js'),
    transform: {
      '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    },
    moduleNameMapper: {
      // core's subpaths (`@modelkit/core/kit`, …) are folders with an index.
      '^@modelkit/core/([a-z-]+)$': path.join(packagesDir, 'core', 'src', '$1', 'index.ts'),
      '^@modelkit/([a-z-]+)$': path.join(packagesDir, '$1', 'src', 'index.ts'),
      '^@modelkit/([a-z-]+)/cli$': path.join(packagesDir, '$1', 'src', 'cli.ts'),
    },
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    moduleFileExtensions: ['ts', 'js', 'json', 'node'],
    testTimeout: 60000,
    ...overrides,
  };
};
