import { Writable } from 'node:stream';
import { formatAmount, formatDuration, ProgressBar, type ProgressEvent } from '../src';

/** An in-memory stream that can pretend to be a terminal. */
class FakeStream extends Writable {
  out = '';
  constructor(readonly isTTY: boolean, readonly columns?: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.out += chunk.toString();
    cb();
  }
}

const MiB = 1024 * 1024;
const ev = (phase: ProgressEvent['phase'], done: number, extra: Partial<ProgressEvent> = {}): ProgressEvent => ({
  task: 'download det.onnx',
  phase,
  done,
  total: 10 * MiB,
  unit: 'bytes',
  ...extra,
});

describe('ProgressBar', () => {
  it('writes plain occasional lines when the stream is not a TTY', () => {
    const stream = new FakeStream(false);
    let now = 0;
    const bar = new ProgressBar(stream, { width: 10, now: () => now, lineIntervalMs: 1000 });
    bar.update(ev('start', 0));
    for (let i = 1; i <= 20; i++) {
      now = i * 100; // 20 events over 2 s: only two of them get a line
      bar.update(ev('progress', i * (MiB / 4)));
    }
    now = 4000;
    bar.update(ev('end', 10 * MiB));
    const lines = stream.out.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1)).toEqual([
      'download det.onnx [----------]   0% 0 B/10.0 MiB',
      'download det.onnx [##--------]  25% 2.50 MiB/10.0 MiB 2.50 MiB/s ETA 3s',
      'download det.onnx [#####-----]  50% 5.00 MiB/10.0 MiB 2.50 MiB/s ETA 2s',
      'download det.onnx [##########] 100% 10.0 MiB/10.0 MiB 2.50 MiB/s in 4s',
    ]);
    expect(stream.out).not.toContain('\r');
  });

  it('redraws one line in place on a TTY, throttled, with values and without total', () => {
    const stream = new FakeStream(true, 200);
    let now = 0;
    const bar = new ProgressBar(stream, { width: 8, now: () => now });
    const train = (phase: ProgressEvent['phase'], done: number, loss: number): ProgressEvent => ({ task: 'train', phase, done, unit: 'steps', values: { loss, lr: 'cosine' } });
    bar.update(train('start', 0, 1));
    now = 50;
    bar.update(train('progress', 5, 0.9)); // inside the 100 ms window: not drawn
    now = 200;
    bar.update(train('progress', 10, 0.5));
    now = 1000;
    bar.update(train('end', 40, 0.123456));
    expect(stream.out.split('\r').slice(1)).toEqual([
      'train 0 steps loss=1 lr=cosine\x1b[K',
      'train 10 steps 50 steps/s loss=0.500 lr=cosine\x1b[K',
      'train 40 steps 40 steps/s in 1s loss=0.123 lr=cosine\x1b[K\n',
    ]);
  });

  it('truncates to the terminal width, ends a line when the task changes, and stop() is idempotent', () => {
    const stream = new FakeStream(true, 30);
    let now = 0;
    const bar = new ProgressBar(stream, { now: () => now });
    bar.update({ task: 'a very long task name that will not fit', phase: 'start', done: 0, total: 4, unit: 'images' });
    now = 500;
    bar.update({ task: 'second', phase: 'progress', done: 1, total: 2, unit: 'images' });
    bar.stop();
    bar.stop();
    const drawn = stream.out.split('\r').slice(1);
    expect(drawn[0]).toBe('a very long task name that wi\x1b[K\n');
    expect(drawn[1]).toBe(`second [${'#'.repeat(12)}${'-'.repeat(9)}\x1b[K\n`);
    expect(stream.out.endsWith('\n')).toBe(true);
    expect(stream.out.match(/\n/g)).toHaveLength(2);
  });

  it('stop() draws the latest throttled event before ending the line', () => {
    const stream = new FakeStream(true);
    let now = 0;
    const bar = new ProgressBar(stream, { width: 4, now: () => now });
    bar.update({ task: 'ocr batch', phase: 'start', done: 0, total: 8, unit: 'images' });
    now = 10;
    bar.update({ task: 'ocr batch', phase: 'progress', done: 4, total: 8, unit: 'images' });
    expect(stream.out).not.toContain('4/8');
    bar.stop();
    expect(stream.out).toMatch(/\rocr batch \[##--\]  50% 4\/8 images 400 images\/s ETA 0s\x1b\[K\n$/);
  });

  it('works as a ProgressCallback passed unbound', () => {
    const stream = new FakeStream(false);
    const { update } = new ProgressBar(stream);
    update({ task: 'eval', phase: 'start', done: 0, total: 3, unit: 'items' });
    update({ task: 'eval', phase: 'end', done: 3, total: 3, unit: 'items', message: 'done' });
    expect(stream.out).toMatch(/^eval .* 0% 0\/3 items\neval .*100% 3\/3 items .*done\n$/);
  });
});

describe('progress formatting', () => {
  it('humanises bytes and durations', () => {
    expect(formatAmount(512, 'bytes')).toBe('512 B');
    expect(formatAmount(1536, 'bytes')).toBe('1.50 KiB');
    expect(formatAmount(123.4 * MiB, 'bytes')).toBe('123 MiB');
    expect(formatAmount(3 * 1024 * MiB, 'bytes')).toBe('3.00 GiB');
    expect(formatAmount(7, 'epochs')).toBe('7 epochs');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(7620)).toBe('2h07m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
