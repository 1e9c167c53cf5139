/**
 * A video given by path or bytes, checked before anything decodes: it exists, is not
 * empty, ffmpeg can read it, it has a video stream, its frames are not absurdly large and
 * it is not longer than allowed. Bytes (an HTTP upload) are written to a private temp
 * file that `close()` removes, because ffmpeg needs to seek in MP4s whose index is at the end.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, ModelkitError, resolveMaxPixels } from '@modelkit/core';
import { findFfmpeg, type FfmpegPaths } from '../ffmpeg/find-ffmpeg';
import { fileUrl, probeVideo } from '../ffmpeg/probe-video';
import { runTool } from '../ffmpeg/run-tool';
import type { VideoInfo } from '../ffmpeg/video-info';
import { frameTooLargeError, tooLongError, videoDecodeError } from './video-errors';

/** Options of {@link VideoSource.open}. */
export interface OpenVideoOptions {
  /** Name for messages when the input is bytes (default `<upload>`). */
  name?: string;
  /** Refuse videos whose frames have more pixels (default: `MODELKIT_MAX_PIXELS`, else 100 MP). */
  maxPixels?: number;
  /** Refuse videos longer than this many seconds (default: no limit). */
  maxDuration?: number;
  /** The ffmpeg to use (default: {@link findFfmpeg}). */
  ffmpeg?: FfmpegPaths;
  /** Probe with ffmpeg's banner even when ffprobe exists (what the npm fallback does). */
  useFfprobe?: boolean;
}

/** Reads the length of a stream whose container does not state it, by remuxing to nowhere (no decoding). */
async function measureDuration(paths: FfmpegPaths, input: string): Promise<number> {
  const out = await runTool(paths.ffmpeg, ['-hide_banner', '-nostdin', '-i', input, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-']);
  const times = [...out.stderr.matchAll(/time=(\d+):(\d+):(\d+(?:\.\d+)?)/g)];
  const last = times[times.length - 1];
  return last ? Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]) : 0;
}

/** A checked, probed video file. */
export class VideoSource {
  private constructor(
    /** Name used in messages and results: the path as given, or the upload's name. */
    readonly name: string,
    /** The file ffmpeg reads. */
    readonly path: string,
    readonly info: VideoInfo,
    readonly ffmpeg: FfmpegPaths,
    private readonly tempDir: string | undefined,
  ) {}

  /**
   * Checks and probes a video.
   * @throws ModelkitError `E_FILE_NOT_FOUND` (missing path or a folder), `E_VIDEO_DECODE`
   *   (empty, not a video, truncated, no video stream), `E_IMAGE_TOO_LARGE`,
   *   `E_VIDEO_TOO_LONG`, `E_FFMPEG_NOT_FOUND`.
   */
  static async open(input: string | Uint8Array, options: OpenVideoOptions = {}): Promise<VideoSource> {
    const maxPixels = resolveMaxPixels(options.maxPixels);
    const ffmpeg = options.ffmpeg ?? findFfmpeg();
    let name: string;
    let path: string;
    let tempDir: string | undefined;
    if (typeof input === 'string') {
      name = input;
      path = input;
      const st = await stat(input).catch(() => undefined);
      if (!st || !st.isFile()) {
        throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, st ? `${input} is a folder, not a video file` : `${input}: no such file`, { details: { file: input } });
      }
      if (st.size === 0) throw videoDecodeError(name, 'empty');
    } else {
      name = options.name ?? '<upload>';
      if (input.byteLength === 0) throw videoDecodeError(name, 'empty');
      tempDir = await mkdtemp(join(tmpdir(), 'modelkit-videotag-'));
      path = join(tempDir, 'upload');
      await writeFile(path, input);
    }
    try {
      const probed = await probeVideo(path, ffmpeg, { useFfprobe: options.useFfprobe });
      if (!probed.ok) throw videoDecodeError(name, probed.problem, probed.reason);
      const info = { ...probed.info };
      if (info.width * info.height > maxPixels) throw frameTooLargeError(name, info.width, info.height, maxPixels);
      if (!(info.duration > 0)) {
        info.duration = info.frameCount && info.fps > 0 ? info.frameCount / info.fps : await measureDuration(ffmpeg, fileUrl(path));
      }
      if (!(info.duration > 0)) throw videoDecodeError(name, 'no-frames', 'its length cannot be read');
      if (options.maxDuration !== undefined && options.maxDuration > 0 && info.duration > options.maxDuration) {
        throw tooLongError(name, info.duration, options.maxDuration);
      }
      return new VideoSource(name, path, info, ffmpeg, tempDir);
    } catch (err) {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The `file:` URL ffmpeg is given. */
  get url(): string {
    return fileUrl(this.path);
  }

  /** True when the input was bytes (held in a temp file until {@link close}). */
  get isUpload(): boolean {
    return this.tempDir !== undefined;
  }

  /** Removes the temp file of an upload (a no-op for paths). */
  async close(): Promise<void> {
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }
}
