// Compiles packages/core/src/image/wasm/resize.wat (the SIMD128 resize kernel) with wabt and
// writes resize-wasm-bytes.ts next to it: the module as a base64 constant, so the package
// needs no build step and no wasm toolchain at run time. Commit both files together;
// packages/core/test/image-resize-wasm.test.ts fails when the bytes drift from the .wat.
// Run: node tools/wasm/build-resize.mjs   (from the repo root; wabt is a devDependency of core)
import { buildKernel } from './compile-wat.mjs';

await buildKernel({
  name: 'resize',
  constName: 'RESIZE_WASM_BASE64',
  script: 'tools/wasm/build-resize.mjs',
  doc: 'The compiled resize kernel (see resize.wat)',
});
