/** Packed 8-bit RGB, row-major HWC. The one in-memory image type of modelkit. */
export interface RgbImage {
  /** `width * height * 3` bytes: R, G, B of the top-left pixel first. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Raw pixels given by a user: 1, 3 or 4 channels, packed HWC, 8 bits per channel. */
export interface RawPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** What `loadImage` accepts: a file path, encoded bytes (PNG, JPEG, ...), or raw pixels. */
export type ImageInput = string | Buffer | Uint8Array | RawPixels;

/** Options of `loadImage`. */
export interface LoadImageOptions {
  /**
   * Refuse images with more pixels than this (checked from the header, before decoding).
   * Default: `MODELKIT_MAX_PIXELS` from the environment, else 100,000,000.
   */
  maxPixels?: number;
  /** Name used in error messages for buffer and raw inputs (default `<buffer>` / `<raw pixels>`). */
  name?: string;
}

/**
 * Four corner points, clockwise from top-left. Structurally the same as geometry's `Quad`
 * (which is accepted as is); declared here so the image module does not depend on geometry.
 */
export type QuadPoints = readonly [
  readonly [number, number],
  readonly [number, number],
  readonly [number, number],
  readonly [number, number],
];
