// onnxruntime-node checks `data instanceof Float32Array` against the host realm's
// constructors, but jest runs each test file in a fresh vm context with its own typed-array
// classes, so tensors built in a test fail with "A float32 tensor's data must be type of
// function Float32Array()". Handing the host's constructors to the test realm fixes it.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array',
  'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array', 'Buffer',
];

class ModelkitNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (globalThis[name] !== undefined) this.global[name] = globalThis[name];
    }
  }
}

module.exports = ModelkitNodeEnvironment;
