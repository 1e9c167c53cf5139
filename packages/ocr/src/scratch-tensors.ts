/**
 * @internal Tensors reused across calls instead of allocated per image and per line (~50 lines on a
 * receipt): calls on one Ocr run one at a time and every tensor is read by onnxruntime's
 * awaited run before the next use, so none escapes.
 */
export class ScratchTensors {
  private readonly f32 = new Map<string, Float32Array>();
  /** Milliseconds spent filling these tensors (resize, normalise, layout): the pipeline's preprocessing time. */
  fillMs = 0;

  /** Runs `fill` (which writes a tensor) and adds its time to {@link fillMs}. */
  timeFill<T>(fill: () => T): T {
    const t0 = performance.now();
    try {
      return fill();
    } finally {
      this.fillMs += performance.now() - t0;
    }
  }

  /** `n` floats of the buffer named `key` (contents undefined). */
  floats(key: string, n: number): Float32Array {
    let buf = this.f32.get(key);
    if (buf === undefined || buf.length < n) this.f32.set(key, (buf = new Float32Array(n)));
    return buf.length === n ? buf : buf.subarray(0, n);
  }
}
