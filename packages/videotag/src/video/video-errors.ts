/** The typed errors of video input, each naming the file and what to do. */
import { ErrorCodes, ImageError, ModelkitError } from '@modelkit/core';

/** Why a video cannot be used. */
export type VideoProblem = 'empty' | 'not-a-video' | 'truncated' | 'no-video-stream' | 'no-frames';

const ADVICE: Record<VideoProblem, string> = {
  empty: 'the file is empty (0 bytes): an interrupted upload or copy; send the file again',
  'not-a-video': 'it is not a video ffmpeg can read; check it plays in a video player, or re-encode it (ffmpeg -i IN -c:v libx264 OUT.mp4)',
  truncated: 'it looks truncated (cut off while downloading or recording); re-download it, or repair it with ffmpeg -i IN -c copy OUT.mp4',
  'no-video-stream': 'it has no video stream (audio only?); give a file with pictures',
  'no-frames': 'ffmpeg decoded no frame from it; the video stream may be empty or damaged — re-encode it (ffmpeg -i IN -c:v libx264 OUT.mp4)',
};

/**
 * `E_VIDEO_DECODE` for `file`, with the problem in `details.reason` and the fix in the message.
 * `why` adds what ffmpeg said.
 */
export function videoDecodeError(file: string, problem: VideoProblem, why?: string): ModelkitError {
  const detail = why ? ` (${why})` : '';
  return new ModelkitError(ErrorCodes.VIDEO_DECODE, `${file}: ${ADVICE[problem]}${detail}`, { details: { file, reason: problem } });
}

/** `E_IMAGE_TOO_LARGE` for frames over the pixel cap (a decompression bomb costs ffmpeg nothing here: it is refused before decoding). */
export function frameTooLargeError(file: string, width: number, height: number, maxPixels: number): ModelkitError {
  return new ImageError(
    ErrorCodes.IMAGE_TOO_LARGE,
    `${file}: frames are ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), over the cap of ${(maxPixels / 1e6).toFixed(1)} MP; downscale it first (ffmpeg -i IN -vf scale=1920:-2 OUT.mp4) or raise MODELKIT_MAX_PIXELS`,
    { details: { file, width, height, maxPixels } },
  );
}

/** `E_VIDEO_TOO_LONG` for a clip over a duration cap. */
export function tooLongError(file: string, duration: number, maxDuration: number): ModelkitError {
  return new ModelkitError(
    ErrorCodes.VIDEO_TOO_LONG,
    `${file}: the video is ${duration.toFixed(1)} s long, over the limit of ${maxDuration} s; cut it (ffmpeg -i IN -t ${maxDuration} -c copy OUT.mp4) or raise maxDuration`,
    { details: { file, duration, maxDuration } },
  );
}
