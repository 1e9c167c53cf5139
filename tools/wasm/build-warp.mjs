// Compiles packages/core/src/image/wasm/warp.wat (the SIMD128 perspective-warp kernel) with
// wabt and writes warp-wasm-bytes.ts next to it (see compile-wat.mjs). Commit both files
// together; packages/core/test/image-warp-wasm.test.ts fails when the bytes drift.
// Run: node tools/wasm/build-warp.mjs   (from the repo root; wabt is a devDependency of core)
import { buildKernel } from './compile-wat.mjs';

await buildKernel({
  name: 'warp',
  constName: 'WARP_WASM_BASE64',
  script: 'tools/wasm/build-warp.mjs',
  doc: 'The compiled perspective-warp kernel (see warp.wat)',
});
