import { resizeImageSync } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';

/**
 * @internal Crops resized to line size, shared by the classifier and the recognizer. Both
 * resize each crop to its own aspect at the line height, so for crops up to 4:1 (most
 * lines) they ask for the same size: the last resize per crop is kept and reused.
 */
export class LineImages {
  private readonly lines = new WeakMap<RgbImage, RgbImage>();

  /** `crop` resized to `width` x `height`. */
  resized(crop: RgbImage, width: number, height: number): RgbImage {
    const cached = this.lines.get(crop);
    if (cached !== undefined && cached.width === width && cached.height === height) return cached;
    const line = resizeImageSync(crop, width, height);
    this.lines.set(crop, line);
    return line;
  }
}
