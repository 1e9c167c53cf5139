import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { ErrorCodes } from '@modelkit/core';
import { listImages, readDoneImages, runBatch } from '../src/batch';
import type { BatchRow } from '../src/batch';
import { runBatchCommand } from '../src/cli';
import { fakeKit } from './helpers/fake-kit';

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

function cliIO(): { stdout: Writable & { text: string }; stderr: Writable & { text: string }; interactive: boolean } {
  return { stdout: sink(), stderr: sink(), interactive: false };
}

const NAMES = ['a-sample.png', 'c-corrupt.jpg', 'd-empty.png', 'sub/b-rendered.png'];

describe('batch', () => {
  let dir: string;
  let images: string;
  let n = 0;
  /** A fresh output path per test. */
  const outFile = (): string => join(dir, `out-${++n}.jsonl`);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-batch-'));
    images = join(dir, 'in');
    mkdirSync(join(images, 'sub'), { recursive: true });
    writeFileSync(join(images, 'a-sample.png'), 'aaaa');
    writeFileSync(join(images, 'sub', 'b-rendered.png'), 'bbbbbb');
    writeFileSync(join(images, 'c-corrupt.jpg'), 'corrupt: this is not a jpeg at all');
    writeFileSync(join(images, 'd-empty.png'), Buffer.alloc(0));
    writeFileSync(join(images, 'notes.txt'), 'not an image');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a directory recursively by extension, or a glob', async () => {
    expect(await listImages(images)).toEqual(NAMES.map((f) => `${images}/${f}`));
    expect(await listImages(`${images}/**/*.png`)).toEqual(['a-sample.png', 'd-empty.png', 'sub/b-rendered.png'].map((f) => `${images}/${f}`));
    await expect(listImages(join(dir, 'missing'))).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  });

  it('writes rows with kit, options and absolute path; a rerun skips them all and still reports the error rows', async () => {
    const out = outFile();
    const log: string[] = [];
    const kit = fakeKit({ log });
    const events: string[] = [];
    const options = { kit, input: images, out, concurrency: 2, kitOptions: { scale: 2 }, runOptions: { offset: 1 } };
    const summary = await runBatch({ ...options, onProgress: (e) => events.push(`${e.phase}:${e.done}/${e.total}`) });
    expect(summary).toEqual({ total: 4, skipped: 0, succeeded: 2, failed: 2, errorsRemaining: 2, otherRows: 0, aborted: false });
    expect(events[0]).toBe('start:0/4');
    expect(events.at(-1)).toBe('end:4/4');
    const byName = new Map(rows(out).map((r) => [r.image.slice(images.length + 1), r]));
    const a = byName.get('a-sample.png')!;
    expect(Object.keys(a)).toEqual(['image', 'path', 'kit', 'options', 'result', 'ms']);
    expect(a).toMatchObject({ image: `${images}/a-sample.png`, path: join(images, 'a-sample.png'), kit: 'fake', options: { create: { scale: 2 }, run: { offset: 1 } } });
    expect(a.result).toMatchObject({ bytes: 4, scale: 2, offset: 1 });
    expect(byName.get('c-corrupt.jpg')!.error?.code).toBe(ErrorCodes.IMAGE_DECODE);
    expect(byName.get('d-empty.png')!.error?.code).toBe(ErrorCodes.IMAGE_EMPTY);
    expect(log).toHaveLength(4);

    // Same kit, same options: nothing runs, and the error rows still count.
    const again = await runBatch({ ...options, kitOptions: { scale: 2 } });
    expect(again).toEqual({ total: 4, skipped: 4, succeeded: 0, failed: 0, errorsRemaining: 2, otherRows: 0, aborted: false });
    expect(rows(out)).toHaveLength(4);
    expect(log).toHaveLength(4);

    // The CLI exits 1 while error rows remain, even when every image was skipped.
    const io = cliIO();
    const code = await runBatchCommand(['fake', images], { out, kitOptions: '{"scale":2}', options: '{"offset":1}' }, io, new EventEmitter(), () => kit);
    expect(code).toBe(1);
    expect(io.stderr.text).toContain('0 ok, 0 errors, 4 already in');
    expect(io.stderr.text).toContain(`2 images have error rows in ${out}`);
    expect(log).toHaveLength(4);
  });

  it('compares options with sorted keys: reordered keys skip, changed values run again', async () => {
    const out = outFile();
    const log: string[] = [];
    const kit = fakeKit({ log });
    const input = `${images}/**/*-*.png`; // the two readable images plus the empty one
    await runBatch({ kit, input, out, kitOptions: { scale: 2, threads: 1 } });
    expect(log).toHaveLength(3);
    const reordered = await runBatch({ kit, input, out, kitOptions: { threads: 1, scale: 2 } });
    expect([reordered.skipped, log.length]).toEqual([3, 3]);

    const changed = await runBatch({ kit, input, out, kitOptions: { scale: 3, threads: 1 } });
    expect(changed).toMatchObject({ total: 3, skipped: 0, succeeded: 2, failed: 1, otherRows: 3 });
    const runChanged = await runBatch({ kit, input, out, kitOptions: { scale: 3, threads: 1 }, runOptions: { offset: 5 } });
    expect(runChanged).toMatchObject({ skipped: 0, succeeded: 2, otherRows: 6 });
    expect(log).toHaveLength(9);
    expect(rows(out)).toHaveLength(9); // every row is kept
  });

  it('another kit on the same file runs every image again and keeps the old rows; the CLI says so', async () => {
    const out = outFile();
    const log: string[] = [];
    await runBatch({ kit: fakeKit({ log }), input: images, out });
    const io = cliIO();
    const other = fakeKit({ name: 'other', log });
    const code = await runBatchCommand(['other', images], { out }, io, new EventEmitter(), () => other);
    expect(code).toBe(1); // the corrupt and empty images are error rows of `other` too
    expect(log).toHaveLength(8);
    expect(io.stderr.text).toContain(`4 rows in ${out} were made with another kit or options; kept, their images run again`);
    const all = rows(out);
    expect(all.map((r) => r.kit)).toEqual(['fake', 'fake', 'fake', 'fake', 'other', 'other', 'other', 'other']);

    // Rows of an older version (no kit, options or path) match no run either.
    const legacy = outFile();
    writeFileSync(legacy, `${JSON.stringify({ image: `${images}/a-sample.png`, result: { bytes: 4 }, ms: 1 })}\n`);
    const summary = await runBatch({ kit: fakeKit(), input: `${images}/a-*.png`, out: legacy });
    expect(summary).toMatchObject({ skipped: 0, succeeded: 1, otherRows: 1 });
  });

  it('a relative and an absolute glob of the same files share their rows', async () => {
    const out = outFile();
    const log: string[] = [];
    const kit = fakeKit({ log });
    const rel = relative(process.cwd(), images);
    expect(rel.startsWith('/')).toBe(false);
    const first = await runBatch({ kit, input: `${rel}/**/*.png`, out });
    expect(first.total).toBe(3);
    expect(rows(out)[0].image.startsWith(rel)).toBe(true); // the user-visible path stays as listed
    const second = await runBatch({ kit, input: `${images}/**/*.png`, out });
    expect(second).toMatchObject({ total: 3, skipped: 3, succeeded: 0 });
    expect(log).toHaveLength(3);
    expect(readDoneImages(out, { kit: 'fake', options: { create: {}, run: {} } })).toEqual(
      new Set(['a-sample.png', 'd-empty.png', 'sub/b-rendered.png'].map((f) => join(images, f))),
    );
  });

  it('--retry-errors runs error rows again; the last row of an image wins', async () => {
    const inDir = join(dir, 'retry');
    mkdirSync(inDir);
    writeFileSync(join(inDir, 'good.png'), 'good');
    writeFileSync(join(inDir, 'bad1.png'), 'corrupt 1');
    writeFileSync(join(inDir, 'bad2.png'), '');
    const out = outFile();
    const log: string[] = [];
    const kit = fakeKit({ log });
    const cmd = (flags: Record<string, unknown> = {}): Promise<number> => runBatchCommand(['fake', inDir], { out, ...flags }, cliIO(), new EventEmitter(), () => kit);

    expect(await cmd()).toBe(1);
    expect(log).toHaveLength(3);
    expect(await cmd()).toBe(1); // error rows count as done: nothing runs, still exit 1
    expect(log).toHaveLength(3);

    writeFileSync(join(inDir, 'bad1.png'), 'fixed');
    const retried = await runBatch({ kit, input: inDir, out, retryErrors: true });
    expect(retried).toMatchObject({ total: 3, skipped: 1, succeeded: 1, failed: 1, errorsRemaining: 1 });
    expect(log.slice(3).sort()).toEqual([join(inDir, 'bad1.png'), join(inDir, 'bad2.png')].sort());
    expect(await cmd()).toBe(1); // bad2 still has only error rows
    expect(log).toHaveLength(5);

    writeFileSync(join(inDir, 'bad2.png'), 'fixed too');
    expect(await cmd({ retryErrors: true })).toBe(0);
    expect(log).toHaveLength(6);
    // The old error rows stay in the file, but the later results win.
    expect(rows(out).filter((r) => r.error)).toHaveLength(3);
    expect(await runBatch({ kit, input: inDir, out })).toMatchObject({ skipped: 3, errorsRemaining: 0 });
    expect(await cmd()).toBe(0);
  });

  it('Ctrl-C (SIGINT) stops after the running image with whole lines; a half line from a kill is cut; rerun completes', async () => {
    const out = outFile();
    const signals = new EventEmitter();
    const log: string[] = [];
    // Interrupt while the first image runs: it still finishes and is written.
    const kit = fakeKit({
      log,
      onRun: () => {
        if (log.length === 1) signals.emit('SIGINT');
      },
    });
    const io = cliIO();
    const code = await runBatchCommand(['fake', images], { out, concurrency: 1 }, io, signals, () => kit);
    expect(code).toBe(130);
    const first = rows(out);
    expect(first).toHaveLength(1);
    expect(io.stderr.text).toContain('interrupted');
    expect(signals.listenerCount('SIGINT')).toBe(0);

    // A hard kill in the middle of a write leaves half a line: the next run cuts it off.
    appendFileSync(out, '{"image":"half a li');
    expect(readDoneImages(out, { kit: 'fake', options: { create: {}, run: {} } }).size).toBe(1);
    expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);

    // A malformed line (a hand edit) is ignored.
    appendFileSync(out, 'not json\n');
    const code2 = await runBatchCommand(['fake', images], { out, concurrency: 1 }, cliIO(), signals, () => kit);
    expect(code2).toBe(1); // the corrupt and empty images are error rows
    const all = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(all).toHaveLength(5);
    expect(new Set(all.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as BatchRow).path)).size).toBe(4);
    expect(log).toHaveLength(4);
  });

  describe('--out and options are checked before anything runs', () => {
    it('creates a missing parent folder', async () => {
      const out = join(dir, 'new', 'deeper', 'r.jsonl');
      const summary = await runBatch({ kit: fakeKit(), input: `${images}/a-*.png`, out });
      expect(summary.succeeded).toBe(1);
      expect(rows(out)).toHaveLength(1);
    });

    it('a folder as --out is E_IS_A_DIRECTORY', async () => {
      await expect(runBatch({ kit: fakeKit(), input: images, out: images })).rejects.toMatchObject({ code: ErrorCodes.IS_A_DIRECTORY });
      const io = cliIO();
      await expect(runBatchCommand(['fake', images], { out: dir }, io, new EventEmitter(), () => fakeKit())).rejects.toMatchObject({
        code: ErrorCodes.IS_A_DIRECTORY,
        message: expect.stringContaining('is a folder'),
      });
    });

    it('an unwritable place is E_NOT_WRITABLE, checked before the input is listed', async () => {
      const log: string[] = [];
      // /proc takes no new folders, even for root.
      await expect(runBatch({ kit: fakeKit({ log }), input: join(dir, 'missing'), out: '/proc/modelkit-test/r.jsonl' })).rejects.toMatchObject({
        code: ErrorCodes.NOT_WRITABLE,
      });
      if (process.getuid?.() !== 0) {
        const ro = join(dir, 'read-only');
        mkdirSync(ro);
        chmodSync(ro, 0o500);
        try {
          await expect(runBatch({ kit: fakeKit({ log }), input: images, out: join(ro, 'r.jsonl') })).rejects.toMatchObject({ code: ErrorCodes.NOT_WRITABLE });
        } finally {
          chmodSync(ro, 0o700);
        }
      }
      expect(log).toHaveLength(0);
    });

    it('a file on the way is E_NOT_A_DIRECTORY', async () => {
      await expect(runBatch({ kit: fakeKit(), input: images, out: join(images, 'a-sample.png', 'r.jsonl') })).rejects.toMatchObject({
        code: ErrorCodes.NOT_A_DIRECTORY,
      });
    });

    it('unknown kit or run options are E_INVALID_ARGUMENT before the input is listed', async () => {
      const log: string[] = [];
      const missing = join(dir, 'missing');
      const bad = runBatch({ kit: fakeKit({ log }), input: missing, out: outFile(), kitOptions: { limitSideLen: 9 } });
      await expect(bad).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining('scale') });
      const badRun = runBatch({ kit: fakeKit({ log }), input: missing, out: outFile(), runOptions: { dropScore: 1 } });
      await expect(badRun).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining('offset') });
      expect(log).toHaveLength(0);
    });

    it('an --out the input would read is E_OUTPUT_CONFLICT', async () => {
      const inDir = join(dir, 'conflict');
      mkdirSync(inDir);
      writeFileSync(join(inDir, 'a.png'), 'aaaa');
      writeFileSync(join(inDir, 'r.jsonl'), '');
      await expect(runBatch({ kit: fakeKit(), input: `${inDir}/*`, out: join(inDir, 'r.jsonl') })).rejects.toMatchObject({
        code: ErrorCodes.OUTPUT_CONFLICT,
      });
    });
  });

  it('refuses a missing --out and an unknown kit with typed errors', async () => {
    const io = cliIO();
    await expect(runBatchCommand(['fake', images], {}, io)).rejects.toMatchObject({ code: ErrorCodes.USAGE });
    await expect(runBatchCommand(['kit2', images], { out: join(dir, 'x.jsonl') }, io)).rejects.toMatchObject({ code: ErrorCodes.KIT_NOT_FOUND });
  });
});
