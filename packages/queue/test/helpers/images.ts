import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Writes `count` small grey PNGs `img-000.png`… into `dir` (grey level i, so results differ). */
export async function writeImages(dir: string, count: number, size = 8): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = i % 256;
    const file = join(dir, `img-${String(i).padStart(3, '0')}.png`);
    await sharp({ create: { width: size, height: size, channels: 3, background: { r: v, g: v, b: v } } })
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}

/** A file with a PNG name that is not an image. */
export function writeCorrupt(file: string): string {
  writeFileSync(file, 'corrupt, not a png');
  return file;
}
