// One WebAssembly kernel of this folder (wasm/*.wat, committed as base64 by tools/wasm/):
// compiled synchronously on first use (the modules are a few KB), so importing the package
// costs nothing and works the same from the CJS and ESM builds without top-level await; a
// switch so tests and benchmarks can compare with the JS path; and its one memory, grown to
// the largest job seen and never shrunk (WebAssembly memories cannot shrink).

// The few WebAssembly JS API members used here, typed locally: the compiler options of this
// repo include no DOM lib, and @types/node does not declare the WebAssembly namespace.
/** @internal */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

type ViewCtor<T> = new (buffer: ArrayBuffer) => T;

/** @internal A lazily compiled kernel whose exports include its `memory`. */
export class WasmKernel<E extends { memory: WasmMemory }> {
  /** undefined: not tried yet; null: no WebAssembly SIMD here (callers use the JS path). */
  private compiled: E | null | undefined;
  private enabled = true;
  private viewsOf: ArrayBuffer | undefined;
  private readonly views = new Map<ViewCtor<unknown>, unknown>();

  /** @param init - runs once after instantiation (e.g. writes constant tables into memory) */
  constructor(
    private readonly base64: string,
    private readonly init?: (exports: E) => void,
  ) {}

  /** Turns the kernel on or off; returns the previous setting. */
  setEnabled(on: boolean): boolean {
    const previous = this.enabled;
    this.enabled = on;
    return previous;
  }

  /** The kernel's exports when it is enabled and this runtime can run it. */
  exports(): E | undefined {
    if (!this.enabled) return undefined;
    if (this.compiled === undefined) {
      try {
        const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
        if (!api) throw new Error('no WebAssembly');
        const exports = new api.Instance(new api.Module(Buffer.from(this.base64, 'base64'))).exports as E;
        this.init?.(exports);
        this.compiled = exports;
      } catch {
        // No WebAssembly, or no SIMD128 (validation fails): stay on the JS path.
        this.compiled = null;
      }
    }
    return this.compiled ?? undefined;
  }

  /** Grows the memory to at least `bytes`; false when it cannot (the caller falls back to JS). */
  reserve(bytes: number): boolean {
    const memory = this.exports()?.memory;
    if (memory === undefined) return false;
    if (memory.buffer.byteLength < bytes) {
      try {
        memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
      } catch {
        return false;
      }
    }
    return true;
  }

  /** A typed-array view of the whole memory, made again after the memory grew. */
  view<T>(ctor: ViewCtor<T>): T {
    const buffer = this.exports()!.memory.buffer;
    if (this.viewsOf !== buffer) {
      this.views.clear();
      this.viewsOf = buffer;
    }
    let v = this.views.get(ctor) as T | undefined;
    if (v === undefined) this.views.set(ctor, (v = new ctor(buffer)));
    return v;
  }
}

/** @internal Rounds a memory offset up to 16 bytes. Not `& ~15`: offsets past 2 GB must not wrap (they fail to grow and fall back instead). */
export const align16 = (n: number): number => Math.ceil(n / 16) * 16;
