import { writeFile } from 'node:fs/promises';
import { encodeImage, withFsErrors } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';
import { overlayMask } from './compose';
import type { OverlayOptions } from './compose';
import type { SegMask } from './mask';

/** Writes the photo with the person region tinted (the seg kit's `--visualize` picture) as a PNG. */
export async function saveVisualization(result: { mask: SegMask }, image: RgbImage, file: string, options?: OverlayOptions): Promise<void> {
  const png = await encodeImage(overlayMask(image, result.mask, options), 'png');
  await withFsErrors(file, 'write', () => writeFile(file, png));
}
