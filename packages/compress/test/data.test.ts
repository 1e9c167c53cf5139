import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeEvalSubset } from '../src/data/eval-subset';
import { dataFolderOf, imageEntries, resolveImageSet } from '../src/data/images';
import { splitCalibVal } from '../src/data/split';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'compress-data-'));
  await mkdir(join(dir, 'kit', 'imgs'), { recursive: true });
  await mkdir(join(dir, 'extra'), { recursive: true });
  for (let i = 0; i < 10; i++) await writeFile(join(dir, 'kit', 'imgs', `img_${i}.jpg`), `fake ${i}`);
  await writeFile(join(dir, 'extra', 'a.png'), 'a');
  await writeFile(join(dir, 'extra', 'notes.txt'), 'not an image');
  await writeFile(join(dir, 'kit', 'gt.json'), JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ image: `kit/imgs/img_${i}.jpg`, mask: `kit/imgs/img_${i}.jpg`, lines: [i] }))));
  await writeFile(
    join(dir, 'kit', 'coco.json'),
    JSON.stringify({
      images: [0, 1, 2].map((i) => ({ id: i + 1, file_name: `kit/imgs/img_${i}.jpg` })),
      annotations: [1, 1, 2, 3].map((id, k) => ({ id: k, image_id: id })),
      categories: [{ id: 1, name: 'a' }],
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('image sets', () => {
  it('reads a folder recursively, an eval file, or a data folder through the kit eval file', () => {
    expect(resolveImageSet(join(dir, 'extra')).images).toEqual([join(dir, 'extra', 'a.png')]);
    const fromFile = resolveImageSet(join(dir, 'kit', 'gt.json'));
    expect(fromFile.images).toHaveLength(10);
    expect(fromFile.dataDir).toBe(dir); // the paths inside are relative to the folder above
    const fromFolder = resolveImageSet(dir, (d) => join(d, 'kit', 'coco.json'));
    expect(fromFolder.images).toEqual([0, 1, 2].map((i) => join(dir, 'kit', 'imgs', `img_${i}.jpg`)));
    expect(fromFolder.evalFile).toBe(join(dir, 'kit', 'coco.json'));
  });

  it('finds image paths in both eval formats and fails clearly on missing data', () => {
    expect(imageEntries({ images: [{ file_name: 'a.jpg' }, { file_name: 'b.png' }], annotations: [{ image: 3 }] })).toEqual(['a.jpg', 'b.png']);
    expect(() => dataFolderOf(join(dir, 'kit', 'gt.json'), ['nope/x.jpg'])).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
    expect(() => resolveImageSet(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
  });
});

describe('splitCalibVal', () => {
  it('never gives an image to both sides, and splits the same way every time', () => {
    const all = resolveImageSet(join(dir, 'kit', 'gt.json'));
    const a = splitCalibVal(all, all);
    const b = splitCalibVal(all, all);
    expect(a).toEqual(b);
    expect(a.shared).toBe(10);
    expect(a.calibration.filter((p) => a.validation.includes(p))).toEqual([]);
    expect(a.calibration.length + a.validation.length).toBe(10);
    expect(a.calibration.length).toBeGreaterThan(0);
    expect(a.validation.length).toBeGreaterThan(0);
    expect(a.rule).toMatch(/10 images were in both sets/);
  });

  it('keeps disjoint sets whole and applies the limits in hash order', () => {
    const calib = resolveImageSet(join(dir, 'extra'));
    const val = resolveImageSet(join(dir, 'kit', 'gt.json'));
    const s = splitCalibVal(calib, val, { valLimit: 4 });
    expect(s.calibration).toEqual([join(dir, 'extra', 'a.png')]);
    expect(s.validation).toHaveLength(4);
    expect(s.rule).toBe('calibration and validation images are disjoint');
    expect(splitCalibVal(val, undefined, { calibLimit: 3 }).calibration).toEqual(splitCalibVal(val, undefined).calibration.slice(0, 3));
  });
});

describe('writeEvalSubset', () => {
  it('writes a list file with only the kept images, paths pointing back at the originals', async () => {
    const out = join(dir, 'subset');
    const keep = new Set([resolve(dir, 'kit/imgs/img_2.jpg'), resolve(dir, 'kit/imgs/img_5.jpg')]);
    expect(await writeEvalSubset(join(dir, 'kit', 'gt.json'), dir, keep, out, join(out, 'kit', 'gt.json'))).toBe(2);
    const rows = JSON.parse(await readFile(join(out, 'kit', 'gt.json'), 'utf8')) as { image: string; mask: string; lines: number[] }[];
    expect(rows.map((r) => resolve(out, r.image))).toEqual([...keep]);
    expect(rows.map((r) => resolve(out, r.mask))).toEqual([...keep]);
    expect(rows[1]!.lines).toEqual([5]);
  });

  it('filters COCO images and their annotations', async () => {
    const out = join(dir, 'subset-coco');
    const keep = new Set([resolve(dir, 'kit/imgs/img_0.jpg')]);
    await writeEvalSubset(join(dir, 'kit', 'coco.json'), dir, keep, out, join(out, 'kit', 'coco.json'));
    const coco = JSON.parse(await readFile(join(out, 'kit', 'coco.json'), 'utf8')) as { images: { id: number; file_name: string }[]; annotations: unknown[]; categories: unknown[] };
    expect(coco.images.map((i) => i.id)).toEqual([1]);
    expect(coco.annotations).toHaveLength(2);
    expect(coco.categories).toHaveLength(1);
    expect(resolve(out, coco.images[0]!.file_name)).toBe(resolve(dir, 'kit/imgs/img_0.jpg'));
  });

  it('refuses a format it does not know', async () => {
    await writeFile(join(dir, 'odd.json'), JSON.stringify({ pictures: [] }));
    await expect(writeEvalSubset(join(dir, 'odd.json'), dir, new Set(), join(dir, 'o'), join(dir, 'o', 'x.json'))).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
