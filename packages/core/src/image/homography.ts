// The homography type shared by warp-quad.ts (which computes it and runs the JS sampling)
// and warp-wasm.ts (which passes it to the WebAssembly kernel). It lives in its own module
// so that neither of those two imports the other's module for it (no import cycle).

/** A 3x3 homography, row-major, mapping output pixel (x, y, 1) to source coordinates. */
export type Homography = [number, number, number, number, number, number, number, number, number];
