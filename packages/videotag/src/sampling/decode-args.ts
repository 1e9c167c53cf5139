/**
 * The ffmpeg command line of one decoding pass: which frames pass `select` (sampling), their
 * size (scaled inside ffmpeg, after selection, so unpicked frames cost only their
 * decoding), an optional scene-change branch, and PPM frames on stdout.
 */
import type { VideoInfo } from '../ffmpeg/video-info';
import type { CheckedSampling } from './sampling';
import { slotTimes } from './slot-times';

/** Options of {@link decodeArgs}. */
export interface DecodeArgsOptions {
  /** `file:` URL of the input. */
  input: string;
  info: VideoInfo;
  sampling: CheckedSampling;
  /** Short side of output frames in pixels. */
  size: number;
  /** Decode keyframes only (`-skip_frame nokey`): much faster, positions snap to keyframes. */
  keyframesOnly?: boolean;
  /** Also report scene changes above this score (a second branch of the same decode). */
  sceneThreshold?: number;
  /** Decoder threads (default: ffmpeg's choice). */
  threads?: number;
  /** Output flags that keep every frame as is (see `passthroughFlags`). */
  passthrough: readonly string[];
}

/** The arguments, and for segment sampling the target time of every slot. */
export interface DecodePlan {
  args: string[];
  /** Slot target times in seconds from the video's start (segment sampling only). */
  slots?: number[];
}

const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(6));

/** Output frame size: short side `size`, aspect kept, long side capped at 8 × size. */
export function frameSize(info: Pick<VideoInfo, 'width' | 'height'>, size: number): { width: number; height: number } {
  const { width: w, height: h } = info;
  const long = (a: number, b: number): number => Math.max(1, Math.min(8 * size, Math.round((size * a) / b)));
  return w >= h ? { width: long(w, h), height: size } : { width: size, height: long(h, w) };
}

/**
 * `select` keeping the first frame at or after each of `count` evenly spaced times
 * `off + k·step` (relative to the stream's first timestamp `t0`). Constant size whatever
 * the count. Callers move `off` earlier by a lead (half a frame, or half a slot when only
 * keyframes are decoded) so that the frame kept is the one nearest each target time.
 */
function uniformSelect(t0: number, off: number, step: number, count: number): string {
  const slot = (x: string): string => `floor((${x}-${num(t0)}-${num(off)})/${num(step)})`;
  return `select='gte(${slot('t')},0)*lt(${slot('t')},${count})*if(isnan(prev_selected_t),1,gt(${slot('t')},${slot('prev_selected_t')}))'`;
}

/** `select` for arbitrary ascending target times: the slot of a time is the number of targets it has passed. */
function thresholdSelect(t0: number, targets: readonly number[]): string {
  const passed = (x: string): string => targets.map((t) => `gte(${x}-${num(t0)},${num(t)})`).join('+');
  return `select='gte(t-${num(t0)},${num(targets[0])})*if(isnan(prev_selected_t),1,gt(${passed('t')},${passed('prev_selected_t')}))'`;
}

/** Builds the command line of one decoding pass. */
export function decodeArgs(o: DecodeArgsOptions): DecodePlan {
  const { sampling, info } = o;
  const t0 = info.startTime;
  const { width, height } = frameSize(info, o.size);
  const scale = `scale=${width}:${height}:flags=bilinear,setsar=1`;
  let chain: string;
  let slots: number[] | undefined;
  let maxFrames: number | undefined;
  // How much earlier than its target a slot starts: half a frame when every frame is
  // decoded (the frame kept is then the nearest), half a slot with keyframes only (the
  // first keyframe of the slot's window; none may fall exactly after the target).
  const halfFrame = info.fps > 0 ? 0.5 / info.fps : 0;
  if (sampling.mode === 'segments') {
    slots = slotTimes(sampling, info.duration);
    const w = info.duration / slots.length;
    const lead = o.keyframesOnly ? w / 2 : Math.min(halfFrame, w / 2);
    const select = sampling.pick === 'center' ? uniformSelect(t0, w / 2 - lead, w, slots.length) : thresholdSelect(t0, slots.map((t) => Math.max(0, t - lead)));
    chain = `${select},${scale},showinfo`;
  } else if (sampling.mode === 'fps') {
    maxFrames = sampling.maxFrames;
    const step = 1 / sampling.fps;
    const lead = o.keyframesOnly ? step / 2 : Math.min(halfFrame, step / 2);
    chain = `${uniformSelect(t0, -lead, step, maxFrames ?? 1e9)},${scale},showinfo`;
  } else {
    maxFrames = sampling.maxFrames;
    chain = `select='eq(n,0)+gt(scene,${num(sampling.threshold)})',metadata=mode=print:key=lavfi.scene_score,${scale},showinfo`;
  }
  // The scene timeline comes from a second branch of the same decode (no second pass); in
  // scene sampling the main branch already reports it.
  const branch = o.sceneThreshold !== undefined && sampling.mode !== 'scenes';
  const graph = branch
    ? `[0:v]split=2[main][cuts];[main]${chain}[out];[cuts]select='gt(scene,${num(o.sceneThreshold!)})',metadata=mode=print:key=lavfi.scene_score,nullsink`
    : `[0:v]${chain}[out]`;
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    ...(o.threads ? ['-threads', String(o.threads)] : []),
    ...(o.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    '-i', o.input,
    '-filter_complex', graph, '-map', '[out]',
    '-an', '-sn', '-dn',
    ...o.passthrough,
    ...(maxFrames !== undefined ? ['-frames:v', String(maxFrames)] : []),
    '-f', 'image2pipe', '-c:v', 'ppm', 'pipe:1',
  ];
  return { args, slots };
}
