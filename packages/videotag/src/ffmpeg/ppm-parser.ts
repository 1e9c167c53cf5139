/**
 * Splits ffmpeg's `-f image2pipe -c:v ppm` output into frames. Each PPM carries its own
 * size in a text header, so frames need no size agreed in advance (rotation, odd aspect
 * ratios and scale rounding are ffmpeg's business), and a frame is copied once, straight
 * from the pipe's chunks into its own buffer.
 */
import type { RgbImage } from '@modelkit/core';

const HEADER = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/;
// "P6\n" + two sizes of up to 6 digits + "255\n" fit easily; a longer header is garbage.
const MAX_HEADER = 64;

/** Incremental PPM (P6, 8-bit) stream parser. */
export class PpmParser {
  private header = Buffer.alloc(0);
  private frame: Uint8Array | null = null;
  private width = 0;
  private height = 0;
  private filled = 0;

  /** Feeds bytes; returns the frames they completed, in order. */
  push(chunk: Uint8Array): RgbImage[] {
    const out: RgbImage[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.frame === null) {
        // Accumulate header bytes until the header regex matches.
        const take = Math.min(chunk.length - pos, MAX_HEADER - this.header.length);
        const candidate = Buffer.concat([this.header, chunk.subarray(pos, pos + take)]);
        const m = HEADER.exec(candidate.toString('latin1'));
        if (!m) {
          if (candidate.length >= MAX_HEADER) throw new Error(`not a PPM stream (starts with ${JSON.stringify(candidate.subarray(0, 16).toString('latin1'))})`);
          this.header = candidate;
          pos += take;
          continue;
        }
        if (m[3] !== '255') throw new Error(`unsupported PPM max value ${m[3]}`);
        const used = m[0].length - this.header.length; // bytes of this chunk that were header
        pos += used;
        this.header = Buffer.alloc(0);
        this.width = Number(m[1]);
        this.height = Number(m[2]);
        this.frame = new Uint8Array(this.width * this.height * 3);
        this.filled = 0;
        continue;
      }
      const n = Math.min(chunk.length - pos, this.frame.length - this.filled);
      this.frame.set(chunk.subarray(pos, pos + n), this.filled);
      this.filled += n;
      pos += n;
      if (this.filled === this.frame.length) {
        out.push({ data: this.frame, width: this.width, height: this.height });
        this.frame = null;
      }
    }
    return out;
  }

  /** True when a frame or header is half-read (the stream was cut off inside a frame). */
  get partial(): boolean {
    return this.frame !== null || this.header.length > 0;
  }
}
