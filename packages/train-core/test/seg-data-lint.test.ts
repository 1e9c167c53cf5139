import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createMemoryIO, ModelkitError, type CliCommand } from '@modelkit/core';
import { commands } from '../src/cli';
import { decodeSegEntry, readSegSource, readSegSources } from '../src/seg/seg-data';
import { lintSegData, parseRemap, type SegLintCode } from '../src/seg/seg-lint';
import { drawSegShapes } from '../src/seg/synthetic-seg-shapes';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mk-seg-data-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes drawn samples as DIR/images/<i>.png + DIR/masks/<i>.png; `maskOf` may rewrite a label map (e.g. to 0/255). */
async function writeFolder(dir: string, count: number, seed: number, maskOf: (m: Uint8Array, i: number) => { data: Uint8Array; w?: number; h?: number } = (m) => ({ data: m })): Promise<void> {
  await mkdir(join(dir, 'images'), { recursive: true });
  await mkdir(join(dir, 'masks'), { recursive: true });
  const samples = drawSegShapes(count, { size: 32, classes: 2, seed });
  for (const [i, s] of samples.entries()) {
    await sharp(Buffer.from(Uint8Array.from(s.image)), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(dir, 'images', `${i}.png`));
    const m = maskOf(Uint8Array.from(s.mask), i);
    await sharp(Buffer.from(m.data), { raw: { width: m.w ?? 32, height: m.h ?? 32, channels: 1 } }).png().toFile(join(dir, 'masks', `${i}.png`));
  }
}

const codes = (r: { findings: { code: SegLintCode }[] }): SegLintCode[] => r.findings.map((f) => f.code);

async function lintDir(dir: string, numClasses = 3): Promise<Awaited<ReturnType<typeof lintSegData>>> {
  return lintSegData((await readSegSource(dir)).entries, { numClasses });
}

describe('segmentation data and linter', () => {
  it('a clean drawn folder has no findings', async () => {
    const dir = join(root, 'clean');
    await writeFolder(dir, 6, 1);
    const r = await lintDir(dir);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.classShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('finds 0/255 masks and the remap 255:1 fixes them', async () => {
    const dir = join(root, 'binary');
    await writeFolder(dir, 4, 2, (m) => ({ data: m.map((v) => (v > 0 ? 255 : 0)) }));
    const r = await lintDir(dir, 2);
    expect(codes(r)).toContain('binary-255');
    expect(r.ok).toBe(false);
    expect(r.findings.find((f) => f.code === 'binary-255')!.fix).toContain('--remap 255:1');
    const fixed = await lintSegData((await readSegSource(dir)).entries, { numClasses: 2, remap: parseRemap('255:1') });
    expect(fixed.ok).toBe(true);
    expect(codes(fixed)).not.toContain('binary-255');
  });

  it('finds labels >= the number of classes', async () => {
    const dir = join(root, 'range');
    await writeFolder(dir, 4, 3, (m, i) => ({ data: i === 1 ? m.map((v) => (v === 2 ? 7 : v)) : m }));
    const r = await lintDir(dir);
    expect(codes(r)).toEqual(['label-out-of-range']);
    expect(r.findings[0]!.count).toBe(1);
    expect(r.findings[0]!.message).toContain('7');
  });

  it('finds a mask whose size is not the image size', async () => {
    const dir = join(root, 'size');
    await writeFolder(dir, 3, 4, (m, i) => (i === 0 ? { data: new Uint8Array(16 * 20), w: 16, h: 20 } : { data: m }));
    const r = await lintDir(dir);
    expect(codes(r)).toContain('size-mismatch');
    expect(r.findings.find((f) => f.code === 'size-mismatch')!.message).toContain('32x32 vs mask 16x20');
  });

  it('finds an empty image file and a corrupt mask, as findings (not crashes)', async () => {
    const dir = join(root, 'corrupt');
    await writeFolder(dir, 3, 5);
    await writeFile(join(dir, 'images', '0.png'), new Uint8Array(0));
    await writeFile(join(dir, 'masks', '1.png'), 'not a png');
    const r = await lintDir(dir);
    expect(codes(r)).toContain('unreadable');
    expect(r.findings.find((f) => f.code === 'unreadable')!.count).toBe(2);
  });

  it('finds class imbalance', async () => {
    const dir = join(root, 'imbalance');
    // Class 2 keeps a single pixel in one mask.
    await writeFolder(dir, 4, 6, (m, i) => {
      const out = m.map((v) => (v === 2 ? 1 : v));
      if (i === 0) out[0] = 2;
      return { data: out };
    });
    const r = await lintDir(dir);
    expect(codes(r)).toEqual(['class-imbalance']);
    expect(r.ok).toBe(true);
    expect(r.findings[0]!.fix).toMatch(/dice|lovasz|ohem/);
  });

  it('lint --fix writes a repaired copy that lints clean (CLI)', async () => {
    const dir = join(root, 'tofix');
    await writeFolder(dir, 4, 7, (m, i) => (i === 2 ? { data: new Uint8Array(64 * 64).fill(255), w: 64, h: 64 } : { data: m.map((v) => (v > 0 ? 255 : 0)) }));
    const train = commands.find((c) => c.name === 'train')!;
    const seg = train.subcommands!.find((c) => c.name === 'seg')!;
    const lint = seg.subcommands!.find((c) => c.name === 'lint') as CliCommand;
    const io = createMemoryIO();
    const out = join(root, 'fixed');
    expect(await lint.run!([], { data: dir, remap: '255:1', fix: out }, io)).toBe(0);
    expect(io.out()).toContain('wrote 4 image/mask pairs');
    expect((await readdir(join(out, 'masks'))).length).toBe(4);
    const again = await lintDir(out, 2);
    expect(again.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const io2 = createMemoryIO();
    expect(await lint.run!([], { data: dir }, io2)).toBe(1);
    expect(io2.out()).toContain('0 and 255');
  });

  it('reads COCO polygons (crowd RLE as ignore) and JSON lists with mask_values', async () => {
    const dir = join(root, 'coco');
    await mkdir(join(dir, 'imgs'), { recursive: true });
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toFile(join(dir, 'imgs', 'a.png'));
    const coco = {
      images: [{ id: 5, file_name: 'imgs/a.png', width: 40, height: 30 }],
      categories: [{ id: 1, name: 'person' }, { id: 3, name: 'car' }],
      annotations: [
        { image_id: 5, category_id: 1, iscrowd: 0, segmentation: [[2, 2, 12, 2, 12, 12, 2, 12]] },
        { image_id: 5, category_id: 3, iscrowd: 0, segmentation: [[20, 10, 30, 10, 25, 20]] },
        // Crowd RLE, column-major: 30 rows per column; columns 36..37 fully set.
        { image_id: 5, category_id: 1, iscrowd: 1, segmentation: { size: [30, 40], counts: [36 * 30, 60, 2 * 30] } },
      ],
    };
    await writeFile(join(dir, 'coco.json'), JSON.stringify(coco));
    const src = await readSegSource(join(dir, 'coco.json'));
    expect(src.classNames).toEqual(['background', 'person', 'car']);
    const { mask } = await decodeSegEntry(src.entries[0]!);
    const count = (v: number): number => mask.data.reduce((s, x) => s + (x === v ? 1 : 0), 0);
    expect(count(1)).toBe(100);
    expect(count(2)).toBeGreaterThan(40);
    expect(count(2)).toBeLessThan(60);
    expect(count(255)).toBe(60);
    expect(mask.data[5 * 40 + 5]).toBe(1);
    expect(mask.data[0]).toBe(0);

    await mkdir(join(dir, 'm'), { recursive: true });
    await sharp(Buffer.from(mask.data), { raw: { width: 40, height: 30, channels: 1 } }).png().toFile(join(dir, 'm', 'a.png'));
    await writeFile(join(dir, 'list.json'), JSON.stringify([{ image: 'imgs/a.png', mask: 'm/a.png', mask_values: { 0: 'background', 1: 'person', 2: 'car', 255: 'ignore' } }]));
    const both = await readSegSources([join(dir, 'list.json'), join(dir, 'coco.json')]);
    expect(both.classNames).toEqual(['background', 'person', 'car']);
    expect(both.entries).toHaveLength(2);
  });

  it('bad JSON and missing folders are typed errors that say what is expected', async () => {
    await writeFile(join(root, 'bad.json'), '{"images": [');
    await expect(readSegSource(join(root, 'bad.json'))).rejects.toMatchObject({ code: 'E_BAD_JSON' });
    await writeFile(join(root, 'wrong.json'), '{"a": 1}');
    await expect(readSegSource(join(root, 'wrong.json'))).rejects.toThrow(/COCO|\{ "image", "mask" \}/);
    await mkdir(join(root, 'empty'), { recursive: true });
    const err = await readSegSource(join(root, 'empty')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelkitError);
    expect((err as ModelkitError).message).toContain('images/ and masks/');
  });
});
