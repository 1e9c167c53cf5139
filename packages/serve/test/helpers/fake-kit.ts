import { readFileSync } from 'node:fs';
import { ErrorCodes, ImageError, defineKit } from '@modelkit/core';
import type { KitDefinition, KitInput, KitResult } from '@modelkit/core';

/** What the fake kit returns: the input's size and the options it ran with. */
interface FakeResult extends KitResult {
  bytes: number;
  scale: number;
  offset: number;
}

/** Options of {@link fakeKit}. */
export interface FakeKitOptions {
  name?: string;
  /** Receives every input the kit runs, in order (file paths as given, or `<N bytes>`). */
  log?: string[];
  /** Called at the start of every run, e.g. to interrupt a batch or hold a run open. */
  onRun?: (input: string) => void | Promise<void>;
}

function bytesOf(input: KitInput): Uint8Array {
  if (typeof input === 'string') {
    try {
      return readFileSync(input);
    } catch (err) {
      throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `Image file '${input}' does not exist`, { cause: err, details: { file: input } });
    }
  }
  if (input instanceof Uint8Array) return input;
  return new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength);
}

/**
 * An in-memory kit with no models, built with core's `defineKit` so its options are checked
 * like a real kit's: create option `scale`, run option `offset`, anything else refused with
 * E_INVALID_ARGUMENT. An empty input is E_IMAGE_EMPTY and one starting with `corrupt` is
 * E_IMAGE_DECODE, as real kits report unreadable images.
 */
export function fakeKit({ name = 'fake', log = [], onRun }: FakeKitOptions = {}): KitDefinition {
  const timings = { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 };
  return defineKit<{ scale: number }, { scale: number }, { offset: number }, FakeResult, object>({
    name,
    description: 'A fake kit for tests',
    modelCards: [],
    createOptions: { scale: { type: 'number', description: 'multiplies the byte count', min: 0 } },
    runOptions: { offset: { type: 'number', description: 'added to the byte count' } },
    async create(options) {
      return { scale: options.scale ?? 1 };
    },
    async run(pipeline, input, options) {
      const label = typeof input === 'string' ? input : `<${bytesOf(input).length} bytes>`;
      log.push(label);
      await onRun?.(label);
      const bytes = bytesOf(input);
      if (bytes.length === 0) throw new ImageError(ErrorCodes.IMAGE_EMPTY, 'Image is empty (0 bytes)');
      if (Buffer.from(bytes.subarray(0, 7)).toString() === 'corrupt') throw new ImageError(ErrorCodes.IMAGE_DECODE, 'Image could not be decoded');
      return { bytes: bytes.length, scale: pipeline.scale, offset: options.offset ?? 0, timings };
    },
    async dispose() {},
    summarize: (r) => `${r.bytes} bytes`,
    formatText: (r) => String(r.bytes),
    async saveVisualization() {},
    evalFiles: () => [],
    async evaluate() {
      return {};
    },
  }) as unknown as KitDefinition;
}
