/** Probing a video file: ffprobe's JSON when there is an ffprobe, ffmpeg's banner otherwise. */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { FFMPEG_HELP, type FfmpegPaths } from './find-ffmpeg';
import { runTool, type ToolOutput } from './run-tool';
import { looksLikeContainer, parseFfmpegBanner, parseFfprobeJson, problemOf, type ProbeResult } from './video-info';

async function fileHead(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = new Uint8Array(16);
    const { bytesRead } = await fh.read(buf, 0, 16, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * `file:` + the absolute path: ffmpeg then never reads a name as a protocol or device
 * (`concat:`, `http://`, `-`), whatever the user or an upload called the file.
 */
export function fileUrl(file: string): string {
  return `file:${resolve(file)}`;
}

/** A tool that exits without a word is not a working ffmpeg (a wrong MODELKIT_FFMPEG, a broken install). */
function checkSpoke(bin: string, out: ToolOutput): void {
  if (out.code !== 0 && out.stderr.trim() === '' && out.stdout.trim() === '') {
    throw new ModelkitError(ErrorCodes.FFMPEG_NOT_FOUND, `${bin} exited with code ${out.code} and printed nothing: it does not look like a working ffmpeg; ${FFMPEG_HELP}`, {
      details: { path: bin, code: out.code },
    });
  }
}

/**
 * Describes `file` (streams, size, length, rate) without decoding it.
 * @throws ModelkitError `E_FFMPEG_NOT_FOUND` when the tool cannot run.
 */
export async function probeVideo(file: string, paths: FfmpegPaths, options: { useFfprobe?: boolean } = {}): Promise<ProbeResult> {
  const container = looksLikeContainer(await fileHead(file));
  if (paths.ffprobe && options.useFfprobe !== false) {
    const out = await runTool(paths.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', fileUrl(file)]);
    checkSpoke(paths.ffprobe, out);
    if (out.code !== 0) {
      const reason = out.stderr.trim().split(/\r?\n/).pop() ?? 'ffprobe failed';
      return { ok: false, problem: problemOf(out.stderr, container), reason: reason.replace(/^.*?: /, '') };
    }
    return parseFfprobeJson(out.stdout);
  }
  // Without an output ffmpeg exits 1 after printing the input's description.
  const out = await runTool(paths.ffmpeg, ['-hide_banner', '-nostdin', '-i', fileUrl(file)]);
  checkSpoke(paths.ffmpeg, out);
  return parseFfmpegBanner(out.stderr, container);
}
