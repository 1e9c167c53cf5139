/**
 * Generates the benchmark's 1080p clips with ffmpeg's lavfi `testsrc2` (moving, coloured,
 * with a frame counter: every frame differs), H.264 at 30 fps. Clips are cached by name in
 * the output folder, so repeated runs reuse them. Never committed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findFfmpeg } from '../../../packages/videotag/src';

/** Path of a `minutes`-long 1920×1080 30 fps clip in `dir`, made on first use. */
export function benchClip(dir: string, minutes: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `testsrc2-1080p-${minutes}min.mp4`);
  if (!existsSync(file)) {
    const t0 = performance.now();
    execFileSync(findFfmpeg().ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${minutes * 60}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '28', '-g', '250', '-pix_fmt', 'yuv420p', file,
    ]);
    console.error(`made ${file} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return file;
}
