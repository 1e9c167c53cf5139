import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeImage, ErrorCodes, isModelkitError } from '@modelkit/core';
import { SeededRng } from '../src/data/seeded-rng';
import { atssAssign, detTarget, DET_TARGET_ROW, pointGrid } from '../src/det/atss-assigner';
import { DEFAULT_DET_AUGMENT, renderDetImage, renderMosaic } from '../src/det/det-augment';
import { loadDetData } from '../src/det/det-data';
import { DetDataset, loadDetImages } from '../src/det/det-dataset';
import { drawDetShapes } from './fixtures/det-shapes';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'det-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writePng(path: string, seed: number, w = 80, h = 60): Promise<void> {
  const [img] = drawDetShapes(1, seed, { width: w, height: h, minSide: 12, maxSide: 20 });
  writeFileSync(path, await encodeImage(img.image, 'png'));
}

async function expectCode(p: Promise<unknown>, code: string, text?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isModelkitError(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  if (text) expect((err as Error).message).toMatch(text);
}

function coco(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    images: [
      { id: 1, file_name: 'imgs/a.png', width: 80, height: 60 },
      { id: 2, file_name: 'imgs/b.png', width: 80, height: 60 },
    ],
    annotations: [
      { id: 10, image_id: 1, category_id: 3, bbox: [10, 5, 20, 30] },
      { id: 11, image_id: 2, category_id: 7, bbox: [70, 50, 30, 30] },
      { id: 12, image_id: 2, category_id: 7, bbox: [0, 0, 40, 40], iscrowd: 1 },
    ],
    categories: [
      { id: 7, name: 'dog' },
      { id: 3, name: 'cat' },
    ],
    ...extra,
  };
}

describe('detection data', () => {
  it('reads COCO JSON from an annotations/ folder: classes by id, boxes clipped, crowd skipped, images found above', async () => {
    mkdirSync(join(dir, 'coco', 'imgs'), { recursive: true });
    mkdirSync(join(dir, 'coco', 'annotations'), { recursive: true });
    await writePng(join(dir, 'coco', 'imgs', 'a.png'), 1);
    await writePng(join(dir, 'coco', 'imgs', 'b.png'), 2);
    const file = join(dir, 'coco', 'annotations', 'train.json');
    writeFileSync(file, JSON.stringify(coco()));
    const data = await loadDetData(file);
    expect(data.format).toBe('coco');
    expect(data.classNames).toEqual(['cat', 'dog']);
    expect(data.samples.map((s) => s.image)).toEqual([join(dir, 'coco', 'imgs', 'a.png'), join(dir, 'coco', 'imgs', 'b.png')]);
    expect(Array.from(data.samples[0].boxes)).toEqual([10, 5, 30, 35]);
    expect(Array.from(data.samples[0].classes)).toEqual([0]);
    expect(Array.from(data.samples[1].boxes)).toEqual([70, 50, 80, 60]);
    expect(data.warnings.join(' ')).toMatch(/1 crowd/);
    expect(data.warnings.join(' ')).toMatch(/1 boxes clipped/);
    const loaded = await loadDetImages(data.samples, 1000);
    expect(loaded.images).toHaveLength(2);
    expect(loaded.sizes[0]).toEqual({ width: 80, height: 60 });
  });

  it('rejects bad COCO input with typed, actionable errors', async () => {
    const write = (name: string, text: string): string => {
      const p = join(dir, 'coco', name);
      writeFileSync(p, text);
      return p;
    };
    await expectCode(loadDetData(write('empty.json', '')), ErrorCodes.INVALID_ARGUMENT, /empty/);
    await expectCode(loadDetData(write('bad.json', '{"images": [')), ErrorCodes.BAD_JSON, /not valid JSON/);
    await expectCode(loadDetData(write('shape.json', '{"images": []}')), ErrorCodes.BAD_JSON, /"images", "annotations" and "categories"/);
    const unknownCat = coco();
    (unknownCat.annotations as { category_id: number }[])[0].category_id = 99;
    await expectCode(loadDetData(write('cat.json', JSON.stringify(unknownCat)), { imageRoot: join(dir, 'coco') }), ErrorCodes.INVALID_ARGUMENT, /category_id 99/);
    const outside = coco();
    (outside.annotations as { bbox: number[] }[])[0].bbox = [100, 100, 10, 10];
    await expectCode(loadDetData(write('out.json', JSON.stringify(outside)), { imageRoot: join(dir, 'coco') }), ErrorCodes.INVALID_ARGUMENT, /outside its 80x60 image/);
    const none = coco({ annotations: [] });
    await expectCode(loadDetData(write('none.json', JSON.stringify(none)), { imageRoot: join(dir, 'coco') }), ErrorCodes.INVALID_ARGUMENT, /no annotated objects/);
    await expectCode(loadDetData(write('missing.json', JSON.stringify(coco({ images: [{ id: 1, file_name: 'nope/x.png' }] })))), ErrorCodes.FILE_NOT_FOUND, /--images/);
    await expectCode(loadDetData(join(dir, 'does-not-exist.json')), ErrorCodes.FILE_NOT_FOUND);
  });

  it('reads YOLO folders (classes.txt, data.yaml, train/val split) and checks their lines', async () => {
    const y = join(dir, 'yolo');
    mkdirSync(join(y, 'images'), { recursive: true });
    mkdirSync(join(y, 'labels'), { recursive: true });
    await writePng(join(y, 'images', 'one.png'), 3);
    await writePng(join(y, 'images', 'two.png'), 4);
    writeFileSync(join(y, 'labels', 'one.txt'), '1 0.5 0.5 0.25 0.5\n0 0.1 0.1 0.4 0.4\n');
    writeFileSync(join(y, 'data.yaml'), 'path: .\nnames:\n  0: disc\n  1: square\n');
    const data = await loadDetData(y);
    expect(data.classNames).toEqual(['disc', 'square']);
    expect(data.samples).toHaveLength(2);
    expect(Array.from(data.samples[0].classes)).toEqual([1, 0]);
    expect(Array.from(data.samples[0].boxes).map((v) => +v.toFixed(4))).toEqual([0.375, 0.25, 0.625, 0.75, 0, 0, 0.3, 0.3]);
    expect(data.warnings.join(' ')).toMatch(/1 images .* no label file/);
    const loaded = await loadDetImages(data.samples, 1000);
    expect(Array.from(loaded.images[0].boxes.subarray(0, 4))).toEqual([30, 15, 50, 45]);

    writeFileSync(join(y, 'labels', 'two.txt'), '5 0.5 0.5 0.1 0.1\n');
    await expectCode(loadDetData(y), ErrorCodes.INVALID_ARGUMENT, /class 5 is not one of the 2 classes/);
    writeFileSync(join(y, 'labels', 'two.txt'), '0 0.5 0.5\n');
    await expectCode(loadDetData(y), ErrorCodes.INVALID_ARGUMENT, /expected "class cx cy w h"/);
    writeFileSync(join(y, 'labels', 'two.txt'), '0 1.5 1.5 0.2 0.2\n');
    await expectCode(loadDetData(y), ErrorCodes.INVALID_ARGUMENT, /outside the image/);

    const split = join(dir, 'yolo-split');
    for (const part of ['train', 'val']) {
      mkdirSync(join(split, part, 'images'), { recursive: true });
      mkdirSync(join(split, part, 'labels'), { recursive: true });
      await writePng(join(split, part, 'images', 'x.png'), 5);
      writeFileSync(join(split, part, 'labels', 'x.txt'), '0 0.5 0.5 0.2 0.2\n');
    }
    writeFileSync(join(split, 'classes.txt'), 'thing\n');
    const s = await loadDetData(split);
    expect(s.samples).toHaveLength(1);
    expect(s.val).toHaveLength(1);
    await expectCode(loadDetData(join(dir, 'coco', 'imgs')), ErrorCodes.FILE_NOT_FOUND, /classes.txt/);
  });

  it('skips corrupt and zero-byte images with the reason', async () => {
    writeFileSync(join(dir, 'zero.png'), '');
    writeFileSync(join(dir, 'corrupt.png'), 'not a png at all');
    const sample = (image: string) => ({ image, boxes: new Float32Array([1, 1, 5, 5]), classes: new Int32Array([0]), normalized: false });
    const r = await loadDetImages([sample(join(dir, 'zero.png')), sample(join(dir, 'corrupt.png'))], 100);
    expect(r.images).toHaveLength(0);
    expect(r.skipped.map((s) => s.reason.split(':')[0])).toEqual([ErrorCodes.IMAGE_EMPTY, ErrorCodes.IMAGE_DECODE]);
  });
});

describe('ATSS and targets', () => {
  const grid = pointGrid(64, 64, [8, 16, 32]);

  it('lays out points level by level with centres at (i + 0.5)·stride', () => {
    expect(grid.count).toBe(64 + 16 + 4);
    expect([grid.cx[0], grid.cy[0], grid.cx[9], grid.cy[9]]).toEqual([4, 4, 12, 12]);
    expect([grid.cx[64], grid.stride[64], grid.cx[83], grid.stride[83]]).toEqual([8, 16, 48, 32]);
  });

  it('assigns points inside a box, the larger box on coarser levels, overlaps to the best IoU', () => {
    const small = atssAssign(grid, new Float32Array([8, 8, 24, 24]));
    const pos = Array.from(small.keys()).filter((i) => small[i] === 0);
    expect(pos.length).toBeGreaterThan(0);
    for (const i of pos) {
      expect(grid.cx[i]).toBeGreaterThan(8);
      expect(grid.cx[i]).toBeLessThan(24);
    }
    expect(pos.every((i) => grid.stride[i] <= 16)).toBe(true);
    const large = atssAssign(grid, new Float32Array([0, 0, 64, 64]));
    const meanStride = (a: Int32Array): number => {
      const strides = Array.from(a.keys()).filter((i) => a[i] === 0).map((i) => grid.stride[i]);
      return strides.reduce((x, y) => x + y, 0) / strides.length;
    };
    expect(meanStride(large)).toBeGreaterThan(meanStride(small));
    const both = atssAssign(grid, new Float32Array([8, 8, 24, 24, 0, 0, 64, 64]));
    expect(Array.from(both).filter((g) => g === 0).length).toBeGreaterThan(0);
    expect(Array.from(both).filter((g) => g === 1).length).toBeGreaterThan(0);
  });

  it('writes point rows then the listed boxes', () => {
    const t = detTarget(grid, new Float32Array([8, 8, 24, 24]), new Int32Array([1]), 3);
    expect(t.length).toBe((grid.count + 3) * DET_TARGET_ROW);
    const labels = Array.from({ length: grid.count }, (_, i) => t[i * DET_TARGET_ROW]);
    expect(new Set(labels)).toEqual(new Set([-1, 1]));
    const list = Array.from(t.subarray(grid.count * DET_TARGET_ROW));
    expect(list).toEqual([1, 8, 8, 24, 24, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0]);
  });
});

describe('detection augmentation', () => {
  const [src] = drawDetShapes(1, 11, { width: 80, height: 40, minSide: 16, maxSide: 16 });

  it('letterboxes like the det kit: centred, ratio kept, boxes scaled', () => {
    const r = renderDetImage(src, 64);
    const s = 64 / 80;
    const pad = Math.floor((64 - Math.round(40 * s)) / 2);
    const want = Array.from(src.boxes).map((v, i) => (i % 2 === 0 ? v * s : v * s + pad));
    Array.from(r.boxes).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    expect(r.input[0]).toBe(0); // top-left is padding
  });

  it('keeps boxes on the object under flip, crop/expand and mosaic', () => {
    const rng = new SeededRng(4);
    for (let k = 0; k < 20; k++) {
      const r = renderDetImage(src, 64, DEFAULT_DET_AUGMENT, rng);
      for (let i = 0; i < r.classes.length; i++) {
        const [x1, y1, x2, y2] = r.boxes.subarray(i * 4, i * 4 + 4);
        expect(x1).toBeGreaterThanOrEqual(0);
        expect(x2).toBeLessThanOrEqual(64);
        // The drawn shape is bright (>= 170 before photometric jitter): its box centre is not background.
        const cx = Math.floor((x1 + x2) / 2);
        const cy = Math.floor((y1 + y2) / 2);
        const px = r.input.subarray((cy * 64 + cx) * 3, (cy * 64 + cx) * 3 + 3);
        if (src.classes[0] === 1) expect(Math.max(...px)).toBeGreaterThan(0.45);
        expect(y2).toBeGreaterThan(y1);
      }
    }
    const m = renderMosaic([src, src, src, src], 64, { ...DEFAULT_DET_AUGMENT, mosaic: 1 }, new SeededRng(2));
    expect(m.classes.length).toBeGreaterThan(0);
    expect(m.input.length).toBe(64 * 64 * 3);
    const ds = new DetDataset(drawDetShapes(4, 3, { width: 64, height: 64 }), { size: 64, strides: [8, 16, 32], augment: { ...DEFAULT_DET_AUGMENT, mosaic: 1 } });
    const ex = ds.get(0, new SeededRng(1));
    expect(ex.input.length).toBe(64 * 64 * 3);
    expect((ex.target as Float32Array).length).toBe(ds.targetShape[0] * ds.targetShape[1]);
  });
});
