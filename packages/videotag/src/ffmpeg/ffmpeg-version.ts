/**
 * Flags that changed name across ffmpeg releases, found by asking the binary itself:
 * version strings do not say (git and static builds print `N-47683-g0e8eb07980`).
 */
import { runTool } from './run-tool';

/** Major and minor version, or `null` for builds that print a git revision. */
export type FfmpegVersion = { major: number; minor: number } | null;

/** Parses the first line of `ffmpeg -version` (`ffmpeg version 5.1.9-0+deb12u1 …`, `ffmpeg version 4.1 …`). */
export function parseFfmpegVersion(text: string): FfmpegVersion {
  const m = /ffmpeg version n?(\d+)\.(\d+)/i.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/**
 * Output flags that pass frames through unchanged (no duplication to a constant rate):
 * `-fps_mode passthrough` from 5.1, `-vsync 0` before; a build of unknown version gets
 * the new name only when it accepts it (see {@link passthroughFlagsOf}).
 */
export function passthroughFlags(version: FfmpegVersion): string[] {
  if (version && (version.major < 5 || (version.major === 5 && version.minor < 1))) return ['-vsync', '0'];
  return ['-fps_mode', 'passthrough'];
}

const cache = new Map<string, Promise<string[]>>();

/**
 * The passthrough flags `bin` understands: from its version when it prints one, else by
 * running a 1-frame job with `-fps_mode` (memoised per executable).
 */
export function passthroughFlagsOf(bin: string): Promise<string[]> {
  let hit = cache.get(bin);
  if (!hit) {
    hit = (async () => {
      const version = parseFfmpegVersion((await runTool(bin, ['-version'], { timeoutMs: 20_000 })).stdout);
      if (version) return passthroughFlags(version);
      const probe = await runTool(bin, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-fps_mode', 'passthrough', '-f', 'null', '-'], { timeoutMs: 20_000 });
      return probe.code === 0 ? ['-fps_mode', 'passthrough'] : ['-vsync', '0'];
    })();
    cache.set(bin, hit);
    hit.catch(() => cache.delete(bin));
  }
  return hit;
}
