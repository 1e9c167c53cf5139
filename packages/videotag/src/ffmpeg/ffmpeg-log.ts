/**
 * Reads what the filter graph reports on stderr: `showinfo` prints one line per frame that
 * reaches the output (its timestamp), `metadata=print` the scene-change score of each
 * frame the scene branch selects. Frames on stdout and these lines on stderr arrive on two
 * pipes; they are paired by order.
 */

/** One event read from the log. */
export type LogEvent = { kind: 'frame'; time: number } | { kind: 'scene'; time: number; score: number };

const SHOWINFO = /\[Parsed_showinfo_\d+ @ [^\]]*\]\s+n:\s*\d+\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.e+-]+)/;
const META_FRAME = /\[Parsed_metadata_\d+ @ [^\]]*\]\s+frame:\s*\d+\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.e+-]+)/;
const META_SCENE = /\[Parsed_metadata_\d+ @ [^\]]*\]\s+lavfi\.scene_score=([\d.e+-]+)/;
// Lines we keep for error messages: everything that is not per-frame chatter.
const CHATTER = /^\[Parsed_(showinfo|metadata)_\d+|^frame=|^\s*$/;

/** Incremental stderr parser; also keeps a short tail of other lines for error messages. */
export class FfmpegLogParser {
  private rest = '';
  private pendingSceneTime: number | undefined;
  private readonly tail: string[] = [];

  /** Feeds stderr text; returns the events it completed. */
  push(text: string): LogEvent[] {
    const lines = (this.rest + text).split(/\r?\n|\r/);
    this.rest = lines.pop() ?? '';
    return this.parse(lines);
  }

  /** Parses the last unterminated line. */
  end(): LogEvent[] {
    const line = this.rest;
    this.rest = '';
    return this.parse([line]);
  }

  /** The last lines that were not per-frame output: what ffmpeg said went wrong. */
  messages(count = 4): string {
    return this.tail.slice(-count).join(' | ');
  }

  private parse(lines: string[]): LogEvent[] {
    const out: LogEvent[] = [];
    for (const line of lines) {
      const info = SHOWINFO.exec(line);
      if (info) {
        out.push({ kind: 'frame', time: Number(info[1]) });
        continue;
      }
      const meta = META_FRAME.exec(line);
      if (meta) {
        this.pendingSceneTime = Number(meta[1]);
        continue;
      }
      const scene = META_SCENE.exec(line);
      if (scene && this.pendingSceneTime !== undefined) {
        out.push({ kind: 'scene', time: this.pendingSceneTime, score: Number(scene[1]) });
        this.pendingSceneTime = undefined;
        continue;
      }
      if (!CHATTER.test(line)) {
        this.tail.push(line.trim());
        if (this.tail.length > 20) this.tail.shift();
      }
    }
    return out;
  }
}
