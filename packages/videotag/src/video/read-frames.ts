/**
 * One streamed decoding pass over a video: sampled frames as they are decoded, plus the
 * scene changes seen on the way and the problems met (a cut-off file gives the frames
 * before the cut and a warning, not an error).
 */
import type { RgbImage } from '@modelkit/core';
import { passthroughFlagsOf } from '../ffmpeg/ffmpeg-version';
import { FrameStream, type FrameStreamEnd, type SceneChange } from '../ffmpeg/frame-stream';
import { decodeArgs } from '../sampling/decode-args';
import { checkSampling, type Sampling } from '../sampling/sampling';
import { assignSlots } from '../sampling/slot-times';
import { videoDecodeError } from './video-errors';
import type { VideoSource } from './video-source';

/** One sampled frame. */
export interface VideoFrame {
  /** 0-based position among the decoded frames of this pass. */
  index: number;
  /** Seconds from the video's start. */
  time: number;
  /** The frame, short side `size`, aspect kept. */
  image: RgbImage;
}

/** Options of {@link readFrames}. */
export interface ReadFramesOptions {
  sampling: Sampling;
  /** Short side of frames in pixels (default 256, TSN's resize before its 224 centre crop). */
  size?: number;
  /** Decode keyframes only: several times faster, frame positions snap to keyframes. */
  keyframesOnly?: boolean;
  /** Also detect scene changes above this score (0..1) in the same pass. */
  sceneThreshold?: number;
  /** ffmpeg decoder threads (default: ffmpeg's choice). */
  threads?: number;
  signal?: AbortSignal;
}

/** Default short side of decoded frames. */
export const DEFAULT_FRAME_SIZE = 256;

/** The frames of one pass; after iteration, the scene changes, slot assignment and warnings. */
export class FramePass implements AsyncIterable<VideoFrame> {
  /** Scene changes (seconds from the start, score), complete after iteration. */
  readonly scenes: SceneChange[] = [];
  /** Problems that did not stop decoding (truncation, a cut-off last frame). */
  readonly warnings: string[] = [];
  /** Times of the frames decoded so far. */
  readonly times: number[] = [];
  private slotTargets: number[] | undefined;

  constructor(
    private readonly source: VideoSource,
    private readonly options: ReadFramesOptions,
  ) {}

  /**
   * For segment sampling: for each slot (`segments × perSegment`, segment-major), the index
   * of the frame that serves it. Call after iteration. Other modes: every frame, in order.
   */
  slotFrames(): number[] {
    return this.slotTargets ? assignSlots(this.slotTargets, this.times) : this.times.map((_, i) => i);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VideoFrame> {
    const { options } = this;
    // Keyframes-only decoding needs real timestamps: AVI has none (ffmpeg guesses them from
    // decoded frames, so with B-frames a skipped stream's keyframes land seconds late).
    const avi = /(^|,)avi(,|$)/.test(this.source.info.format);
    if (options.keyframesOnly && avi) this.warnings.push('keyframes-only decoding is not used for AVI (its keyframes carry no reliable timestamps): decoded every frame');
    const keyframesOnly = options.keyframesOnly === true && !avi;
    yield* this.run(keyframesOnly);
    // Any other container whose keyframes do not land in a slot: decode every frame instead.
    if (this.times.length === 0 && keyframesOnly) {
      this.warnings.push('keyframes-only decoding gave no usable frame (keyframes without reliable timestamps): decoded every frame');
      yield* this.run(false);
    }
    if (this.times.length === 0) {
      throw videoDecodeError(this.source.name, 'no-frames', this.lastEnd?.messages || (this.lastEnd?.code ? `ffmpeg exited with code ${this.lastEnd.code}` : undefined));
    }
  }

  private lastEnd: FrameStreamEnd | undefined;

  private async *run(keyframesOnly: boolean): AsyncGenerator<VideoFrame> {
    const { source, options } = this;
    const sampling = checkSampling(options.sampling);
    const plan = decodeArgs({
      input: source.url,
      info: source.info,
      sampling,
      size: options.size ?? DEFAULT_FRAME_SIZE,
      keyframesOnly,
      sceneThreshold: options.sceneThreshold,
      threads: options.threads,
      passthrough: await passthroughFlagsOf(source.ffmpeg.ffmpeg),
    });
    this.slotTargets = plan.slots;
    const stream = new FrameStream(source.ffmpeg.ffmpeg, plan.args, options.signal);
    const t0 = source.info.startTime;
    for await (const f of stream) {
      const time = Number.isFinite(f.time) ? Math.max(0, f.time - t0) : this.times.length > 0 ? this.times[this.times.length - 1] : 0;
      this.times.push(time);
      yield { index: f.index, time, image: f.image };
    }
    for (const s of stream.scenes) this.scenes.push({ time: Math.max(0, s.time - t0), score: s.score });
    const end = stream.end!;
    this.lastEnd = end;
    if (this.times.length === 0) return;
    if (end.code !== 0) this.warnings.push(`ffmpeg exited with code ${end.code}: ${end.messages}`);
    if (end.partial) this.warnings.push('the last frame was cut off');
    const last = this.times[this.times.length - 1];
    const expectEnd = plan.slots ? plan.slots[plan.slots.length - 1] : undefined;
    // Slots past the last decoded frame mean the stream ended early: a truncated file, or a
    // container that states a longer duration than its video stream has.
    if (expectEnd !== undefined && !keyframesOnly && last < expectEnd - Math.max(1, 2 / Math.max(1, source.info.fps))) {
      this.warnings.push(`decoding stopped at ${last.toFixed(2)} s of ${source.info.duration.toFixed(2)} s (truncated file?); later segments reuse the last frame`);
    }
  }
}

/**
 * Decodes the frames `options.sampling` picks, streamed: iterate the returned pass (once).
 * Memory holds one frame at a time plus what the caller keeps.
 * @throws ModelkitError `E_VIDEO_DECODE` (`no-frames`) when ffmpeg produced no frame;
 *   `E_INVALID_ARGUMENT` for a bad sampling; `E_FFMPEG_NOT_FOUND`.
 */
export function readFrames(source: VideoSource, options: ReadFramesOptions): FramePass {
  return new FramePass(source, options);
}
