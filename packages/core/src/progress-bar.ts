/**
 * A terminal progress bar for {@link ProgressEvent}s. On a TTY it redraws one line in
 * place (`\r`), at most every `intervalMs`; elsewhere (CI logs, pipes) it writes a plain
 * line at start, every `lineIntervalMs`, and at the end, so logs stay short.
 */
import type { ProgressEvent, ProgressUnit } from './progress';

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Width of the bar itself in characters. Default 24. */
  width?: number;
  /** Treat the stream as a terminal. Default: the stream's `isTTY`. */
  tty?: boolean;
  /** Minimum ms between redraws on a TTY. Default 100. */
  intervalMs?: number;
  /** Minimum ms between plain lines when not a TTY. Default 5000. */
  lineIntervalMs?: number;
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface TaskState {
  task: string;
  startedAt: number;
  startDone: number;
  last: ProgressEvent;
}

/** Renders progress events to a stream. Pass `bar.update` directly as a `ProgressCallback`. */
export class ProgressBar {
  private readonly stream: NodeJS.WritableStream;
  private readonly width: number;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly lineIntervalMs: number;
  private readonly now: () => number;
  private state: TaskState | undefined;
  private lastDrawAt = -Infinity;
  /** True while a TTY line is drawn without its newline. */
  private lineOpen = false;
  /** True when the latest event was throttled away and is not on screen yet. */
  private dirty = false;

  constructor(stream: NodeJS.WritableStream, options: ProgressBarOptions = {}) {
    this.stream = stream;
    this.width = Math.max(4, options.width ?? 24);
    this.tty = options.tty ?? (stream as { isTTY?: boolean }).isTTY === true;
    this.intervalMs = options.intervalMs ?? 100;
    this.lineIntervalMs = options.lineIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** Takes one event. Bound, so `onProgress: bar.update` works. Never throws on odd events. */
  readonly update = (event: ProgressEvent): void => {
    const t = this.now();
    if (!this.state || this.state.task !== event.task || event.phase === 'start') {
      this.finishLine();
      this.state = { task: event.task, startedAt: t, startDone: event.done, last: event };
      this.draw(t, true);
      return;
    }
    this.state.last = event;
    if (event.phase === 'end') {
      this.draw(t, true);
      this.finishLine();
      this.state = undefined;
      return;
    }
    const interval = this.tty ? this.intervalMs : this.lineIntervalMs;
    if (t - this.lastDrawAt >= interval) this.draw(t, false);
    else this.dirty = true;
  };

  /** Draws the latest state and ends the line. Idempotent. */
  stop(): void {
    if (this.state && this.dirty) this.draw(this.now(), true);
    this.finishLine();
    this.state = undefined;
  }

  /** The line for the current state (without `\r` or newline). */
  private render(t: number): string {
    const s = this.state!;
    const e = s.last;
    const parts = [e.task];
    const total = e.total !== undefined && e.total > 0 ? e.total : undefined;
    if (total !== undefined) {
      const ratio = Math.min(1, Math.max(0, e.done / total));
      const filled = Math.floor(ratio * this.width);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}]`, `${(ratio * 100).toFixed(0).padStart(3)}%`);
      parts.push(e.unit === 'bytes' ? `${formatAmount(e.done, e.unit)}/${formatAmount(total, e.unit)}` : `${formatNumber(e.done)}/${formatAmount(total, e.unit)}`);
    } else {
      parts.push(formatAmount(e.done, e.unit));
    }
    const seconds = (t - s.startedAt) / 1000;
    const rate = seconds > 0 ? (e.done - s.startDone) / seconds : 0;
    if (rate > 0) {
      parts.push(`${formatAmount(rate, e.unit)}/s`);
      if (total !== undefined && e.phase !== 'end' && e.done < total) parts.push(`ETA ${formatDuration((total - e.done) / rate)}`);
    }
    if (e.phase === 'end') parts.push(`in ${formatDuration(seconds)}`);
    for (const [k, v] of Object.entries(e.values ?? {})) parts.push(`${k}=${typeof v === 'number' ? formatNumber(v) : v}`);
    if (e.message) parts.push(e.message);
    return parts.join(' ');
  }

  private draw(t: number, force: boolean): void {
    if (!this.state) return;
    if (!force && t - this.lastDrawAt < (this.tty ? this.intervalMs : this.lineIntervalMs)) return;
    this.lastDrawAt = t;
    this.dirty = false;
    let line = this.render(t);
    if (this.tty) {
      const columns = (this.stream as { columns?: number }).columns;
      // Stay one short of the terminal width: a full-width line wraps and breaks `\r`.
      if (columns !== undefined && columns > 1 && line.length > columns - 1) line = line.slice(0, columns - 1);
      // \x1b[K clears what a longer previous line left behind.
      this.stream.write(`\r${line}\x1b[K`);
      this.lineOpen = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  private finishLine(): void {
    if (this.lineOpen) this.stream.write('\n');
    this.lineOpen = false;
  }
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` bytes -> `1.5 KiB`; other units -> `12 images`. */
export function formatAmount(value: number, unit: ProgressUnit): string {
  if (unit !== 'bytes') return `${formatNumber(value)} ${unit}`;
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${BYTE_UNITS[i]}`;
}

/** Seconds -> `45s`, `3m05s`, `2h07m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
