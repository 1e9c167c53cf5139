import { join } from 'node:path';

/**
 * The bundled sample photo: three people indoors, 640×427 JPEG. Taken by Vladimir Mandic,
 * shipped as `demo/sample1.jpg` in npm `@vladmandic/face-api` 1.7.15 under the MIT licence;
 * downscaled and stripped of metadata (see samples/NOTICE).
 */
export const SAMPLE_IMAGE: string = join(__dirname, '..', 'samples', 'friends.jpg');
