import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { ErrorCodes } from '@modelkit/core';
import { kit as ocrKit } from '@modelkit/ocr';
import { listImages, readDoneImages, runBatch } from '../src/batch';
import type { BatchRow } from '../src/batch';
import { runBatchCommand } from '../src/cli';
import { SAMPLE_IMAGE, SAMPLE_TEXT, renderTextPng, textsOf } from './helpers/fixtures';

function rows(file: string): BatchRow[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as BatchRow);
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('batch', () => {
  let dir: string;
  let images: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-batch-'));
    images = join(dir, 'in');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(images, 'sub'), { recursive: true });
    copyFileSync(SAMPLE_IMAGE, join(images, 'a-sample.png'));
    writeFileSync(join(images, 'sub', 'b-rendered.png'), await renderTextPng('Batch 42'));
    writeFileSync(join(images, 'c-corrupt.jpg'), Buffer.from('this is not a jpeg at all'));
    writeFileSync(join(images, 'd-empty.png'), Buffer.alloc(0));
    writeFileSync(join(images, 'notes.txt'), 'not an image');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a directory recursively by extension, or a glob', async () => {
    expect(await listImages(images)).toEqual(
      ['a-sample.png', 'c-corrupt.jpg', 'd-empty.png', 'sub/b-rendered.png'].map((f) => `${images}/${f}`),
    );
    expect(await listImages(`${images}/**/*.png`)).toEqual(['a-sample.png', 'd-empty.png', 'sub/b-rendered.png'].map((f) => `${images}/${f}`));
    await expect(listImages(join(dir, 'missing'))).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  });

  it('writes a result or an error row per image, then a rerun skips them all', async () => {
    const out = join(dir, 'all.jsonl');
    const events: string[] = [];
    const summary = await runBatch({ kit: ocrKit, input: images, out, concurrency: 2, onProgress: (e) => events.push(`${e.phase}:${e.done}/${e.total}`) });
    expect(summary).toEqual({ total: 4, skipped: 0, succeeded: 2, failed: 2, aborted: false });
    const byImage = new Map(rows(out).map((r) => [r.image.slice(images.length + 1), r]));
    expect(textsOf(byImage.get('a-sample.png')!.result)).toEqual(SAMPLE_TEXT);
    expect(textsOf(byImage.get('sub/b-rendered.png')!.result)).toEqual(['Batch 42']);
    expect(byImage.get('c-corrupt.jpg')!.error?.code).toBe(ErrorCodes.IMAGE_DECODE);
    expect(byImage.get('d-empty.png')!.error?.code).toBe(ErrorCodes.IMAGE_EMPTY);
    expect(events[0]).toBe('start:0/4');
    expect(events.at(-1)).toBe('end:4/4');

    const again = await runBatch({ kit: ocrKit, input: images, out });
    expect(again).toEqual({ total: 4, skipped: 4, succeeded: 0, failed: 0, aborted: false });
    expect(rows(out)).toHaveLength(4);
  });

  it('Ctrl-C (SIGINT) stops after the running image with whole lines; a half line from a kill is cut; rerun completes', async () => {
    const out = join(dir, 'interrupted.jsonl');
    const signals = new EventEmitter();
    const stderr = sink();
    const io = { stdout: sink(), stderr, interactive: false };
    // Interrupt as soon as the first row is on disk.
    const timer = setInterval(() => {
      try {
        if (readFileSync(out, 'utf8').includes('\n')) {
          clearInterval(timer);
          signals.emit('SIGINT');
        }
      } catch {
        // not created yet
      }
    }, 5);
    const code = await runBatchCommand(['ocr', images], { out, concurrency: 1 }, io, signals);
    clearInterval(timer);
    expect(code).toBe(130);
    const first = rows(out);
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThan(4);
    expect(stderr.text).toContain('interrupted');
    expect(signals.listenerCount('SIGINT')).toBe(0);

    // A hard kill in the middle of a write leaves half a line: the next run cuts it off.
    appendFileSync(out, '{"image":"half a li');
    expect(readDoneImages(out).size).toBe(first.length);
    expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);

    const code2 = await runBatchCommand(['ocr', images], { out, concurrency: 1 }, { ...io, stderr: sink() }, signals);
    expect(code2).toBe(1); // the corrupt and empty images are error rows
    const all = rows(out);
    expect(all).toHaveLength(4);
    expect(new Set(all.map((r) => r.image)).size).toBe(4);
  });

  it('refuses a missing --out and an unknown kit with typed errors', async () => {
    const io = { stdout: sink(), stderr: sink(), interactive: false };
    await expect(runBatchCommand(['ocr', images], {}, io)).rejects.toMatchObject({ code: ErrorCodes.USAGE });
    await expect(runBatchCommand(['kit2', images], { out: join(dir, 'x.jsonl') }, io)).rejects.toMatchObject({ code: ErrorCodes.KIT_NOT_FOUND });
  });
});
