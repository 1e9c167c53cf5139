import { join } from 'node:path';

/**
 * The bundled sample image: "Hello modelkit!" over "Price: $12.50 (-20%)" in DejaVu Sans,
 * black on white, rendered by `packages/ocr/scripts/render-sample.mjs`.
 */
export const SAMPLE_IMAGE: string = join(__dirname, '..', 'samples', 'hello-modelkit.png');

/** The lines {@link SAMPLE_IMAGE} shows, top to bottom. */
export const SAMPLE_TEXT: readonly string[] = Object.freeze(['Hello modelkit!', 'Price: $12.50 (-20%)']);
