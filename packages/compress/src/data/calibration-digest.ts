/** A fingerprint of a calibration set: sha256 over the sorted sha256s of its image files. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** The digest of `images` (order does not matter; file contents do, names do not). */
export async function calibrationDigest(images: readonly string[]): Promise<string> {
  const hashes: string[] = [];
  for (const p of images) hashes.push(createHash('sha256').update(await readFile(p)).digest('hex'));
  return createHash('sha256').update(hashes.sort().join('\n')).digest('hex');
}
