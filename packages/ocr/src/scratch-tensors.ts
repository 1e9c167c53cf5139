/**
 * @internal Tensors reused across calls instead of allocated per image and per line (~50 lines on a
 * receipt): calls on one Ocr run one at a time and every tensor is read by onnxruntime's
 * awaited run before the next use, so none escapes.
 */
export class ScratchTensors {
  private readonly f32 = new Map<string, Float32Array>();

  /** `n` floats of the buffer named `key` (contents undefined). */
  floats(key: string, n: number): Float32Array {
    let buf = this.f32.get(key);
    if (buf === undefined || buf.length < n) this.f32.set(key, (buf = new Float32Array(n)));
    return buf.length === n ? buf : buf.subarray(0, n);
  }
}
