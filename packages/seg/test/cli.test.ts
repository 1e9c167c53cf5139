import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { isModelkitError, kitCommands } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { kit, SAMPLE_IMAGE } from '../src';

const commands = kitCommands(kit);

class Memory extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

function io(): CliIO & { stdout: Memory; stderr: Memory } {
  return { stdout: new Memory(), stderr: new Memory(), interactive: false };
}

const seg = commands.find((c) => c.name === 'seg') as CliCommand;
const segEval = seg.subcommands?.find((c: CliCommand) => c.name === 'eval') as CliCommand;
// What commander would pass for the flags we do not give: `--no-mask` defaults to mask: true.
const defaults = (_c: CliCommand): Record<string, unknown> => ({ mask: true });
const runSeg = (args: string[], flags: Record<string, unknown>, out = io()) => seg.run!(args, { ...defaults(seg), threads: 1, ...flags }, out).then((code) => ({ code, out }));

async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(i, i + info.channels));
}

describe('seg CLI command', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-seg-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the 0-255 mask by default', async () => {
    const out = join(dir, 'masks');
    const { code, out: o } = await runSeg([SAMPLE_IMAGE], { out });
    expect(code).toBe(0);
    const file = join(out, 'friends.mask.png');
    expect(o.stderr.text).toContain(`wrote ${file}`);
    const meta = await sharp(file).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([640, 427, 1]);
    expect((await pixel(file, 5, 5))[0]).toBeLessThan(10);
    expect((await pixel(file, 320, 320))[0]).toBeGreaterThan(245);
  });

  it('--bg paints the background in the ID-photo blue and keeps the person', async () => {
    const out = join(dir, 'blue');
    const { code } = await runSeg([SAMPLE_IMAGE], { out, bg: '#438EDB', mask: false });
    expect(code).toBe(0);
    expect(readdirSync(out)).toEqual(['friends.bg.png']);
    const file = join(out, 'friends.bg.png');
    expect(await pixel(file, 5, 5)).toEqual([0x43, 0x8e, 0xdb]);
    expect(await pixel(file, 320, 320)).not.toEqual([0x43, 0x8e, 0xdb]);
  });

  it('--cutout writes RGBA with transparent background; --bg-image uses the image', async () => {
    const out = join(dir, 'cut');
    expect((await runSeg([SAMPLE_IMAGE], { out, cutout: true })).code).toBe(0);
    expect((await pixel(join(out, 'friends.cutout.png'), 5, 5))[3]).toBeLessThan(10);
    expect((await pixel(join(out, 'friends.cutout.png'), 320, 320))[3]).toBeGreaterThan(245);
    const bgFile = join(dir, 'green.png');
    await sharp({ create: { width: 50, height: 30, channels: 3, background: { r: 0, g: 200, b: 0 } } }).png().toFile(bgFile);
    const out2 = join(dir, 'bgimg');
    expect((await runSeg([SAMPLE_IMAGE], { out: out2, bgImage: bgFile })).code).toBe(0);
    expect(await pixel(join(out2, 'friends.bg.png'), 5, 5)).toEqual([0, 200, 0]);
  });

  it('never overwrites the input: the mask goes beside it under another name', async () => {
    const photoDir = join(dir, 'photos');
    mkdirSync(photoDir);
    const photo = join(photoDir, 'friends.png');
    await sharp(SAMPLE_IMAGE).png().toFile(photo);
    const before = readFileSync(photo);
    const { code } = await runSeg([photo], { out: photoDir, visualize: true });
    expect(code).toBe(0);
    expect(readFileSync(photo)).toEqual(before);
    expect(readdirSync(photoDir).sort()).toEqual(['friends.mask.png', 'friends.png', 'friends.seg.png']);
  });

  it('reports a bad image per file and exits 1; usage errors are typed', async () => {
    const bad = join(dir, 'broken.jpg');
    writeFileSync(bad, 'not a jpeg');
    const { code, out } = await runSeg([bad, SAMPLE_IMAGE], { out: join(dir, 'mixed') });
    expect(code).toBe(1);
    expect(out.stderr.text).toContain(`${bad}: E_IMAGE_DECODE`);
    expect(readFileSync(join(dir, 'mixed', 'friends.mask.png')).length).toBeGreaterThan(0);
    for (const flags of [{ out: dir, bg: 'mauve' }, { out: dir, bg: 'white', cutout: true }]) {
      let err: unknown;
      try {
        await runSeg([SAMPLE_IMAGE], flags);
      } catch (e) {
        err = e;
      }
      expect(isModelkitError(err, 'E_USAGE')).toBe(true);
    }
  });
});

describe('seg eval command', () => {
  let data: string;
  beforeAll(async () => {
    // A data folder made here: the bundled photo, and a label that marks only regions read
    // off the picture by eye (torsos = person, wall = background); everything else 255.
    data = mkdtempSync(join(tmpdir(), 'modelkit-seg-eval-'));
    mkdirSync(join(data, 'seg'));
    const label = new Uint8Array(640 * 427).fill(255);
    const fill = (x0: number, y0: number, x1: number, y1: number, v: number) => {
      for (let y = y0; y < y1; y++) label.fill(v, y * 640 + x0, y * 640 + x1);
    };
    fill(0, 0, 640, 40, 0);
    fill(272, 240, 368, 400, 1);
    await sharp(label, { raw: { width: 640, height: 427, channels: 1 } }).toColourspace('b-w').png().toFile(join(data, 'seg', 'label.png'));
    writeFileSync(join(data, 'photo.jpg'), readFileSync(SAMPLE_IMAGE));
    writeFileSync(join(data, 'seg', 'seg_gt.json'), JSON.stringify([{ image: 'photo.jpg', mask: 'seg/label.png', set: 'hand' }]));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('prints IoU, mIoU and pixel accuracy with ignored pixels left out', async () => {
    const out = io();
    const code = await segEval.run!([], { ...defaults(segEval), data, threads: 1 }, out);
    expect(code ?? 0).toBe(0);
    const report = JSON.parse(out.stdout.text);
    expect(report.images).toBe(1);
    expect(report.confusion.ignored).toBe(640 * 427 - 640 * 40 - 96 * 160);
    expect(report.confusion.tp + report.confusion.fn).toBe(96 * 160);
    expect(report.personIoU).toBeGreaterThan(0.95);
    expect(report.mIoU).toBeGreaterThan(0.95);
    expect(report.pixelAccuracy).toBeGreaterThan(0.97);
    expect(report.sets.hand.images).toBe(1);
  });

  it('fails with a typed error naming the folder when it has no seg/seg_gt.json', async () => {
    await expect(segEval.run!([], { data: join(data, 'nowhere') }, io())).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('nowhere') });
    const empty = mkdtempSync(join(tmpdir(), 'modelkit-seg-empty-'));
    await expect(segEval.run!([], { data: empty }, io())).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('seg_gt.json') });
    rmSync(empty, { recursive: true });
  });
});
