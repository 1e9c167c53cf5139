/** What probing a video tells: its size, length and rate, read from ffprobe or ffmpeg's banner. */

/** A probed video. Sizes are as displayed: rotation and non-square pixels applied. */
export interface VideoInfo {
  /** Length in seconds (the video stream's, else the container's; 0 when unknown). */
  duration: number;
  width: number;
  height: number;
  /** Average frame rate (0 when unknown). */
  fps: number;
  /** Frames in the stream when the container says (not every format does). */
  frameCount?: number;
  /** Timestamp of the first frame in seconds (often 0). */
  startTime: number;
  /** Video codec name, e.g. `h264`. */
  codec: string;
  /** Container format, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  format: string;
  hasAudio: boolean;
  /** Display rotation in degrees (0, 90, 180, 270). */
  rotation: number;
}

/** Why a file is not a usable video, as parsed from a probe. */
export type ProbeProblem = 'not-a-video' | 'truncated' | 'no-video-stream';

/** A probe result: the info, or the problem found. */
export type ProbeResult = { ok: true; info: VideoInfo } | { ok: false; problem: ProbeProblem; reason: string };

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** `30000/1001` → 29.97; `0/0` → 0. */
function parseRate(rate: unknown): number {
  if (typeof rate !== 'string') return num(rate) ?? 0;
  const [a, b] = rate.split('/').map(Number);
  if (b === undefined) return Number.isFinite(a) ? a : 0;
  return b > 0 && Number.isFinite(a) ? a / b : 0;
}

function normRotation(deg: number): number {
  return (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
}

/** Display size from coded size, sample aspect ratio and rotation. */
function displaySize(width: number, height: number, sar: number, rotation: number): { width: number; height: number } {
  const w = sar > 0 && Math.abs(sar - 1) > 1e-6 ? Math.round(width * sar) : width;
  return rotation === 90 || rotation === 270 ? { width: height, height: w } : { width: w, height };
}

/**
 * Classifies ffmpeg/ffprobe error text. `container` says the file starts like a media
 * container (an MP4 `ftyp` box, a Matroska or AVI header): then a missing index means a
 * cut-off file rather than a file of another kind that only has a video's extension.
 */
export function problemOf(stderr: string, container = false): ProbeProblem {
  if (/partial file|truncat/i.test(stderr)) return 'truncated';
  return container && /moov atom not found|end of file|invalid data/i.test(stderr) ? 'truncated' : 'not-a-video';
}

/** True when the first bytes are a known video container's signature. */
export function looksLikeContainer(head: Uint8Array): boolean {
  const ascii = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  return (
    ascii(4, 8) === 'ftyp' || // MP4 / MOV / 3GP
    (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) || // Matroska / WebM
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') ||
    ascii(0, 3) === 'FLV' ||
    ascii(0, 3) === 'GIF'
  );
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  start_time?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

/** Parses `ffprobe -print_format json -show_format -show_streams` output. */
export function parseFfprobeJson(text: string): ProbeResult {
  let doc: { streams?: FfprobeStream[]; format?: { duration?: string; format_name?: string; start_time?: string } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { ok: false, problem: 'not-a-video', reason: 'ffprobe printed no readable description' };
  }
  const streams = doc.streams ?? [];
  // Cover art in audio files is a one-frame "video" stream flagged attached_pic.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = [...new Set(streams.map((s) => s.codec_type ?? '?'))].join(', ');
    return { ok: false, problem: 'no-video-stream', reason: streams.length ? `it has only ${kinds} streams` : 'it has no streams' };
  }
  const sar = parseRate((video.sample_aspect_ratio ?? '1:1').replace(':', '/')) || 1;
  const rotTag = num(video.tags?.rotate);
  const rotSide = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const rotation = normRotation(-(rotSide ?? 0) || rotTag || 0);
  const size = displaySize(video.width ?? 0, video.height ?? 0, sar, rotation);
  const fps = parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate);
  const duration = num(video.duration) ?? num(doc.format?.duration) ?? 0;
  const frames = num(video.nb_frames);
  return {
    ok: true,
    info: {
      duration,
      ...size,
      fps,
      frameCount: frames !== undefined && frames > 0 ? frames : undefined,
      startTime: num(video.start_time) ?? num(doc.format?.start_time) ?? 0,
      codec: video.codec_name ?? 'unknown',
      format: doc.format?.format_name ?? 'unknown',
      hasAudio: streams.some((s) => s.codec_type === 'audio'),
      rotation,
    },
  };
}

function hms(text: string): number | undefined {
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/**
 * Parses the stream description `ffmpeg -i FILE` prints (for ffmpeg builds without ffprobe,
 * such as `@ffmpeg-installer/ffmpeg`).
 */
export function parseFfmpegBanner(stderr: string, container = false): ProbeResult {
  const input = /Input #0, ([^,\n]+(?:,[^,\n ]+)*), from/.exec(stderr);
  if (!input) {
    return { ok: false, problem: problemOf(stderr, container), reason: stderr.includes('Invalid data found') ? 'ffmpeg found no known format in it' : 'ffmpeg cannot open it' };
  }
  const streamLines = stderr.split(/\r?\n/).filter((l) => /^\s*Stream #0:\d+/.test(l));
  const videoLine = streamLines.find((l) => /: Video: /.test(l) && !/\(attached pic\)/.test(l));
  if (!videoLine) {
    const kinds = [...new Set(streamLines.map((l) => /: (\w+): /.exec(l)?.[1]?.toLowerCase() ?? '?'))].join(', ');
    return { ok: false, problem: 'no-video-stream', reason: streamLines.length ? `it has only ${kinds} streams` : 'it has no streams' };
  }
  const codec = /Video: (\w+)/.exec(videoLine)?.[1] ?? 'unknown';
  const dims = /, (\d{1,6})x(\d{1,6})[ ,]/.exec(videoLine);
  const sarM = /\[SAR (\d+):(\d+)/.exec(videoLine);
  const sar = sarM && Number(sarM[2]) > 0 ? Number(sarM[1]) / Number(sarM[2]) : 1;
  const fpsM = /, ([\d.]+k?) fps/.exec(videoLine) ?? /, ([\d.]+k?) tbr/.exec(videoLine);
  const fps = fpsM ? Number(fpsM[1].replace('k', '')) * (fpsM[1].endsWith('k') ? 1000 : 1) : 0;
  const durM = /Duration: ([\d:.]+|N\/A)(?:, start: (-?[\d.]+))?/.exec(stderr);
  const rotM = /rotation of (-?[\d.]+) degrees/.exec(stderr) ?? /rotate\s*:\s*(-?\d+)/.exec(stderr);
  const rotation = rotM ? normRotation(rotM[0].startsWith('rotation of') ? -Number(rotM[1]) : Number(rotM[1])) : 0;
  const size = displaySize(dims ? Number(dims[1]) : 0, dims ? Number(dims[2]) : 0, sar, rotation);
  return {
    ok: true,
    info: {
      duration: durM && durM[1] !== 'N/A' ? (hms(durM[1]) ?? 0) : 0,
      ...size,
      fps,
      startTime: durM?.[2] !== undefined ? Number(durM[2]) : 0,
      codec,
      format: input[1],
      hasAudio: streamLines.some((l) => /: Audio: /.test(l)),
      rotation,
    },
  };
}
