import { join } from 'node:path';

// src/ and dist/ both sit one level below the package root.
const SAMPLES_DIR = join(__dirname, '..', 'samples');

/**
 * A bundled photo of astronaut Eileen Collins (NASA, public domain; via scikit-image's
 * sample data). NanoDet finds a `person` in it. See the package NOTICE.
 */
export const SAMPLE_IMAGE: string = join(SAMPLES_DIR, 'astronaut.jpg');

/** A bundled photo of a cat, "Chelsea" (CC0, Stefan van der Walt; via scikit-image). */
export const SAMPLE_CAT_IMAGE: string = join(SAMPLES_DIR, 'chelsea.jpg');
