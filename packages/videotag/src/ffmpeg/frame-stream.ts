/**
 * Frames from an ffmpeg child process, as an async iterable: raw RGB through a pipe, one
 * frame in memory at a time. Reading is pulled by the consumer, so while it computes
 * features the pipe fills up and ffmpeg simply waits: memory stays flat whatever the
 * video's length. Stopping early (break, throw, abort) kills the process.
 */
import { spawn } from 'node:child_process';
import type { RgbImage } from '@modelkit/core';
import { FfmpegLogParser } from './ffmpeg-log';
import { PpmParser } from './ppm-parser';
import { spawnError } from './run-tool';

/** One decoded frame. */
export interface StreamedFrame {
  /** 0-based position in the output. */
  index: number;
  /** Presentation time in seconds, as the stream stamps it (not yet relative to its start). */
  time: number;
  image: RgbImage;
}

/** A scene change the scene branch reported: its time and ffmpeg's scene score (0..1). */
export interface SceneChange {
  time: number;
  score: number;
}

/** How the process ended. */
export interface FrameStreamEnd {
  /** Exit code; null when killed (by us on an early stop, or by a signal). */
  code: number | null;
  /** True when the last frame was cut off inside its bytes. */
  partial: boolean;
  /** What ffmpeg said besides per-frame lines (for error messages). */
  messages: string;
}

/** The frames of one ffmpeg run, and what the run reported besides. */
export class FrameStream implements AsyncIterable<StreamedFrame> {
  /** Scene changes reported so far (complete once iteration has finished). */
  readonly scenes: SceneChange[] = [];
  /** Set when the process has ended. */
  end: FrameStreamEnd | undefined;
  private started = false;

  constructor(
    private readonly bin: string,
    private readonly args: readonly string[],
    private readonly signal?: AbortSignal,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<StreamedFrame> {
    if (this.started) throw new Error('a FrameStream can be iterated once');
    this.started = true;
    return this.frames();
  }

  private async *frames(): AsyncGenerator<StreamedFrame> {
    this.signal?.throwIfAborted();
    const child = spawn(this.bin, this.args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const log = new FfmpegLogParser();
    const times: number[] = [];
    let wake: (() => void) | undefined;
    let spawnFailure: NodeJS.ErrnoException | undefined;
    let exited = false;
    const onEvents = (events: ReturnType<FfmpegLogParser['push']>): void => {
      for (const e of events) {
        if (e.kind === 'frame') times.push(e.time);
        else this.scenes.push({ time: e.time, score: e.score });
      }
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      onEvents(log.push(text));
      wake?.();
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      spawnFailure = e;
    });
    const closed = new Promise<number | null>((resolve) =>
      child.once('close', (code) => {
        exited = true;
        onEvents(log.end());
        wake?.();
        resolve(code);
      }),
    );
    const abort = (): void => {
      child.kill('SIGKILL');
    };
    this.signal?.addEventListener('abort', abort, { once: true });
    const parser = new PpmParser();
    let index = 0;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        for (const image of parser.push(chunk)) {
          // A frame's showinfo line is logged before its bytes are written, but the two
          // pipes are read independently: wait for the line (or the end) before yielding.
          while (times.length <= index && !exited) await new Promise<void>((r) => (wake = r));
          wake = undefined;
          yield { index, time: times[index] ?? Number.NaN, image };
          index++;
        }
      }
      const code = await closed;
      if (spawnFailure) throw spawnError(this.bin, spawnFailure);
      this.signal?.throwIfAborted();
      this.end = { code, partial: parser.partial, messages: log.messages() };
    } finally {
      this.signal?.removeEventListener('abort', abort);
      if (!exited) {
        child.kill('SIGKILL');
        await closed;
      }
      if (!this.end) this.end = { code: null, partial: parser.partial, messages: log.messages() };
    }
  }
}
